// The few DER structures the web key loader reads or writes, and nothing more: WebCrypto imports PKCS#8 and SPKI but
// reads no certificate and no PKCS#1 or SEC1 key. A general ASN.1 library (pkijs, @peculiar/asn1-*) would add tens of
// KiB to every Worker using eMoney with PEM, for three fields; node:crypto does all of this itself on Node.

/** One DER element: its tag, where its contents start and where it ends. */
interface Element {
  readonly tag: number;
  readonly start: number;
  readonly contents: number;
  readonly end: number;
}

/** Reads the element at `offset`; throws on a truncated or indefinite-length element. */
function readElement(bytes: Uint8Array, offset: number): Element {
  const tag = bytes[offset];
  let length = bytes[offset + 1];
  if (tag === undefined || length === undefined) throw new TypeError('truncated DER');
  let contents = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new TypeError('unsupported DER length');
    length = 0;
    for (let index = 0; index < count; index++)
      length = length * 256 + (bytes[contents + index] ?? Number.NaN);
    contents += count;
  }
  const end = contents + length;
  if (!(end <= bytes.length)) throw new TypeError('truncated DER');
  return { tag, start: offset, contents, end };
}

/** The children of a constructed element. */
function children(bytes: Uint8Array, parent: Element): Element[] {
  const list: Element[] = [];
  for (let offset = parent.contents; offset < parent.end; ) {
    const child = readElement(bytes, offset);
    list.push(child);
    offset = child.end;
  }
  return list;
}

const SEQUENCE = 0x30;

/**
 * The SubjectPublicKeyInfo (DER, ready for `importKey('spki')`) of an X.509 certificate (RFC 5280 §4.1: the seventh
 * field of tbsCertificate, or the sixth when the optional `[0] version` is absent).
 */
export function certificatePublicKeyInfo(certificate: Uint8Array): Uint8Array {
  const outer = readElement(certificate, 0);
  if (outer.tag !== SEQUENCE) throw new TypeError('not a certificate');
  const tbs = children(certificate, outer)[0];
  if (tbs?.tag !== SEQUENCE) throw new TypeError('not a certificate');
  const fields = children(certificate, tbs);
  const spki = fields[fields[0]?.tag === 0xa0 ? 6 : 5];
  if (spki?.tag !== SEQUENCE) throw new TypeError('not a certificate');
  return certificate.subarray(spki.start, spki.end);
}

/** The DER encoding of an element with `tag` around `contents`. */
function encodeElement(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const length = contents.reduce((sum, part) => sum + part.length, 0);
  const lengthBytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest % 256);
  const header = length < 0x80 ? [tag, length] : [tag, 0x80 | lengthBytes.length, ...lengthBytes];
  const out = new Uint8Array(header.length + length);
  out.set(header);
  let offset = header.length;
  for (const part of contents) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const VERSION_0 = Uint8Array.of(0x02, 0x01, 0x00);
const NULL = Uint8Array.of(0x05, 0x00);
// 1.2.840.113549.1.1.1 rsaEncryption, 1.2.840.10045.2.1 id-ecPublicKey, 1.2.840.10045.3.1.7 prime256v1.
const RSA_ENCRYPTION = Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);
const EC_PUBLIC_KEY = Uint8Array.of(0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01);
const PRIME256V1 = Uint8Array.of(0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07);

/** A PKCS#1 `RSAPrivateKey` (PEM `RSA PRIVATE KEY`) wrapped as PKCS#8 (RFC 5208), which WebCrypto imports. */
export function wrapRsaPrivateKey(pkcs1: Uint8Array): Uint8Array {
  return encodeElement(
    SEQUENCE,
    VERSION_0,
    encodeElement(SEQUENCE, RSA_ENCRYPTION, NULL),
    encodeElement(0x04, pkcs1),
  );
}

/** A SEC1 `ECPrivateKey` on P-256 (PEM `EC PRIVATE KEY`) wrapped as PKCS#8 (RFC 5915 §3), which WebCrypto imports. */
export function wrapEcPrivateKey(sec1: Uint8Array): Uint8Array {
  return encodeElement(
    SEQUENCE,
    VERSION_0,
    encodeElement(SEQUENCE, EC_PUBLIC_KEY, PRIME256V1),
    encodeElement(0x04, sec1),
  );
}
