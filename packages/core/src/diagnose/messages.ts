/** Languages of diagnoses: the API-money document exists in English and French. */
export type Language = 'en' | 'fr';

type Details = Readonly<Record<string, string | number>>;
type Text = (details: Details) => string;

const seconds = (ms: unknown): string => `${Math.round(Number(ms) / 1000)}`;

/**
 * The causes `doctor` and the sandbox hints can name, with a sentence in each language. A message may use numbers
 * and key ids from `details`; it never contains a secret or an expected signature.
 */
export const diagnosisMessages = {
  VALID: {
    en: () => 'Valid: the server would accept this.',
    fr: () => 'Valide : le serveur accepterait cette requête.',
  },
  TYPOGRAPHIC_CHARACTERS: {
    en: (d) =>
      `Typographic characters (${d.characters}) were pasted, probably from a web page: use straight quotes (' ") and plain hyphens (-).`,
    fr: (d) =>
      `Des caractères typographiques (${d.characters}) ont été collés, sans doute depuis une page web : utilisez des guillemets droits (' ") et des tirets simples (-).`,
  },
  HEADER_NAME_INCLUDED: {
    en: () => 'The value includes the header name "Authorization:"; pass only what follows it.',
    fr: () => 'La valeur contient le nom d’en-tête « Authorization: » ; ne passez que ce qui le suit.',
  },
  SCHEME_MISSING: {
    en: () =>
      'The value must start with "AUTH " (uppercase, one space) before accessKey:timestamp:version:sign.',
    fr: () =>
      'La valeur doit commencer par « AUTH » (majuscules, une espace) avant accessKey:timestamp:version:sign.',
  },
  PLACEHOLDER_NOT_REPLACED: {
    en: (d) => `The placeholder ${d.placeholder} from the documentation was not replaced by a real value.`,
    fr: (d) => `Le paramètre ${d.placeholder} de la documentation n’a pas été remplacé par une vraie valeur.`,
  },
  FIELD_COUNT: {
    en: (d) => `Expected 4 fields separated by ":" (accessKey:timestamp:version:sign), found ${d.count}.`,
    fr: (d) =>
      `4 champs séparés par « : » sont attendus (accessKey:timestamp:version:sign), ${d.count} trouvés.`,
  },
  TIMESTAMP_NOT_DIGITS: {
    en: () => 'The timestamp must be digits only: milliseconds since 1970-01-01T00:00:00Z.',
    fr: () =>
      'Le timestamp ne doit contenir que des chiffres : des millisecondes depuis le 1970-01-01T00:00:00Z.',
  },
  TIMESTAMP_IN_SECONDS: {
    en: () =>
      'The timestamp is in seconds; API-money expects milliseconds (13 digits, e.g. 1672650133163): multiply by 1000.',
    fr: () =>
      'Le timestamp est en secondes ; API-money attend des millisecondes (13 chiffres, ex. 1672650133163) : multipliez par 1000.',
  },
  TIMESTAMP_STALE: {
    en: (d) =>
      `The timestamp is ${seconds(d.ageMs)} s old; the limit is ${seconds(d.limitMs)} s. Sign each request when you send it.`,
    fr: (d) =>
      `Le timestamp date de ${seconds(d.ageMs)} s ; la limite est de ${seconds(d.limitMs)} s. Signez chaque requête au moment de l’envoyer.`,
  },
  TIMESTAMP_FUTURE: {
    en: (d) =>
      `The timestamp is ${seconds(d.aheadMs)} s in the future; the limit is ${seconds(d.limitMs)} s. Check your clock (NTP).`,
    fr: (d) =>
      `Le timestamp est ${seconds(d.aheadMs)} s dans le futur ; la limite est de ${seconds(d.limitMs)} s. Vérifiez votre horloge (NTP).`,
  },
  VERSION_UNSUPPORTED: {
    en: (d) => `Version "${d.version}" is not supported: the only version is 1.`,
    fr: (d) => `La version « ${d.version} » n’est pas prise en charge : la seule version est 1.`,
  },
  UPPERCASE_HEX: {
    en: () => 'The signature is uppercase hex; send it in lowercase.',
    fr: () => 'La signature est en hexadécimal majuscule ; envoyez-la en minuscules.',
  },
  TRUNCATED_SIGNATURE: {
    en: (d) => `The signature has ${d.length} hex digits; HMAC-SHA256 in hex has 64. It was cut.`,
    fr: (d) =>
      `La signature a ${d.length} chiffres hexadécimaux ; un HMAC-SHA256 en hexadécimal en a 64. Elle a été tronquée.`,
  },
  BASE64_SIGNATURE: {
    en: () => 'The signature looks like base64; API-money expects lowercase hex (64 characters).',
    fr: () =>
      'La signature semble être en base64 ; API-money attend de l’hexadécimal minuscule (64 caractères).',
  },
  SIGNATURE_NOT_HEX: {
    en: () => 'The signature must be 64 lowercase hex digits (HMAC-SHA256).',
    fr: () => 'La signature doit compter 64 chiffres hexadécimaux minuscules (HMAC-SHA256).',
  },
  MISSING_TRAILING_COLON: {
    en: () =>
      'The signature was computed without the trailing colon: StringToSign is accessKey:timestamp:version: (ending with ":").',
    fr: () =>
      'La signature a été calculée sans le « : » final : StringToSign vaut accessKey:timestamp:version: (terminé par « : »).',
  },
  KEY_AND_SECRET_SWAPPED: {
    en: () =>
      'The access key and the secret key are swapped: the secret is the HMAC key, the access key goes in StringToSign.',
    fr: () =>
      'La clé d’accès et la clé secrète sont inversées : la clé secrète est la clé du HMAC, la clé d’accès va dans StringToSign.',
  },
  HMAC_ARGUMENTS_SWAPPED: {
    en: () =>
      'HMAC key and message are swapped: use the secret key as the HMAC key and StringToSign as the message.',
    fr: () =>
      'La clé et le message du HMAC sont inversés : utilisez la clé secrète comme clé du HMAC et StringToSign comme message.',
  },
  ACCESS_KEY_DIFFERS: {
    en: (d) => `The header names access key ${d.sent}, not ${d.expected}.`,
    fr: (d) => `L’en-tête nomme la clé d’accès ${d.sent}, et non ${d.expected}.`,
  },
  SIGNATURE_MISMATCH: {
    en: () =>
      'The signature does not match this secret key: check the secret, and that StringToSign uses the same timestamp and version as the header.',
    fr: () =>
      'La signature ne correspond pas à cette clé secrète : vérifiez la clé, et que StringToSign utilise le même timestamp et la même version que l’en-tête.',
  },
  SIGNATURE_NOT_CHECKED: {
    en: () => 'The signature was not checked: pass --secret-key (or PAYAUTH_SECRET_KEY) to check it.',
    fr: () =>
      'La signature n’a pas été vérifiée : passez --secret-key (ou PAYAUTH_SECRET_KEY) pour la vérifier.',
  },
  ASSERTION_MALFORMED: {
    en: (d) => `The assertion is not a compact JWT: ${d.reason}.`,
    fr: (d) => `L’assertion n’est pas un JWT compact : ${d.reason}.`,
  },
  ALGORITHM_NONE: {
    en: () => 'alg is "none": an unsigned assertion is never accepted. Sign with RS256.',
    fr: () => 'alg vaut « none » : une assertion non signée n’est jamais acceptée. Signez en RS256.',
  },
  ALGORITHM_SYMMETRIC: {
    en: (d) =>
      `alg is ${d.algorithm}, a shared-secret algorithm: private_key_jwt needs RS256 with your certificate's private key.`,
    fr: (d) =>
      `alg vaut ${d.algorithm}, un algorithme à secret partagé : private_key_jwt exige RS256 avec la clé privée de votre certificat.`,
  },
  ALGORITHM_NOT_ALLOWED: {
    en: (d) => `alg ${d.algorithm} is not on the server's list (${d.allowed}).`,
    fr: (d) => `alg ${d.algorithm} n’est pas dans la liste du serveur (${d.allowed}).`,
  },
  KID_MISSING: {
    en: () => 'The header has no kid: send the certificate fingerprint (x5t, base64url SHA-1).',
    fr: () => 'L’en-tête n’a pas de kid : envoyez l’empreinte du certificat (x5t, SHA-1 en base64url).',
  },
  KID_HEX_FORM: {
    en: () =>
      'kid is the hex SHA-1 thumbprint (.NET default). payauth accepts it; the document shows the base64url form (x5t).',
    fr: () =>
      'kid est l’empreinte SHA-1 en hexadécimal (défaut de .NET). payauth l’accepte ; le document montre la forme base64url (x5t).',
  },
  KID_S256_FORM: {
    en: () => 'kid is the SHA-256 thumbprint (x5t#S256); the document shows the SHA-1 form (x5t).',
    fr: () => 'kid est l’empreinte SHA-256 (x5t#S256) ; le document montre la forme SHA-1 (x5t).',
  },
  KID_UNEXPECTED_FORM: {
    en: (d) =>
      `kid (${d.kid}) is in no known form; expected the certificate's x5t (27 characters), e.g. ${d.expected}.`,
    fr: (d) =>
      `kid (${d.kid}) n’a aucune forme connue ; attendu : le x5t du certificat (27 caractères), ex. ${d.expected}.`,
  },
  KID_OTHER_CERTIFICATE: {
    en: (d) => `kid names another certificate; this certificate's x5t is ${d.expected}.`,
    fr: (d) => `kid désigne un autre certificat ; le x5t de ce certificat est ${d.expected}.`,
  },
  CERTIFICATE_NOT_VALID_NOW: {
    en: (d) => `The certificate is not valid now (valid ${d.from} to ${d.to}).`,
    fr: (d) => `Le certificat n’est pas valide maintenant (valide du ${d.from} au ${d.to}).`,
  },
  ASSERTION_SIGNATURE_INVALID: {
    en: () =>
      'The signature does not verify with this certificate: was it signed with the matching private key?',
    fr: () =>
      'La signature ne se vérifie pas avec ce certificat : a-t-elle été faite avec la clé privée correspondante ?',
  },
  ISSUER_SUBJECT_MISMATCH: {
    en: (d) => `iss (${d.iss}) and sub (${d.sub}) must both be your client_id.`,
    fr: (d) => `iss (${d.iss}) et sub (${d.sub}) doivent tous deux valoir votre client_id.`,
  },
  CLIENT_ID_DIFFERS: {
    en: (d) => `sub is ${d.sub}, but the client_id is ${d.expected}.`,
    fr: (d) => `sub vaut ${d.sub}, mais le client_id est ${d.expected}.`,
  },
  AUDIENCE_MISMATCH: {
    en: (d) => `aud is ${d.aud}; expected the token endpoint URL ${d.expected}.`,
    fr: (d) => `aud vaut ${d.aud} ; attendu : l’URL du point de jeton ${d.expected}.`,
  },
  EXPIRY_MISSING: {
    en: () => 'exp is missing: the document requires it (at most one day ahead).',
    fr: () => 'exp est absent : le document l’exige (au plus un jour à l’avance).',
  },
  EXPIRY_IN_MILLISECONDS: {
    en: () => 'exp looks like milliseconds; JWT times are seconds since the epoch.',
    fr: () => 'exp semble être en millisecondes ; les dates JWT sont en secondes depuis l’epoch.',
  },
  ASSERTION_EXPIRED: {
    en: (d) => `The assertion expired ${d.seconds} s ago: create a new one for each token request.`,
    fr: (d) =>
      `L’assertion a expiré il y a ${d.seconds} s : créez-en une nouvelle pour chaque demande de jeton.`,
  },
  EXPIRY_TOO_FAR: {
    en: (d) => `exp is ${d.seconds} s ahead; the document allows at most one day (86400 s).`,
    fr: (d) => `exp est ${d.seconds} s dans le futur ; le document autorise au plus un jour (86400 s).`,
  },
  NOT_YET_VALID: {
    en: (d) => `${d.claim} is ${d.seconds} s in the future: check your clock (NTP).`,
    fr: (d) => `${d.claim} est ${d.seconds} s dans le futur : vérifiez votre horloge (NTP).`,
  },
  JTI_MISSING: {
    en: () => 'No jti: accepted (the document sends none), but the same assertion can be used only once.',
    fr: () =>
      'Pas de jti : accepté (le document n’en envoie pas), mais la même assertion ne sert qu’une fois.',
  },
  // Token requests, Fondy bodies and access tokens (the admin API's playground)
  FORM_FIELD_MISSING: {
    en: (d) => `The form has no ${d.field}; send it (application/x-www-form-urlencoded).`,
    fr: (d) => `Le formulaire n’a pas de ${d.field} ; envoyez-le (application/x-www-form-urlencoded).`,
  },
  FORM_FIELD_REPEATED: {
    en: (d) => `${d.field} appears more than once in the form; send it once (RFC 6749 §3.1).`,
    fr: (d) =>
      `${d.field} figure plusieurs fois dans le formulaire ; envoyez-le une seule fois (RFC 6749 §3.1).`,
  },
  GRANT_TYPE_UNSUPPORTED: {
    en: (d) => `grant_type is "${d.grantType}"; only client_credentials is supported.`,
    fr: (d) => `grant_type vaut « ${d.grantType} » ; seul client_credentials est pris en charge.`,
  },
  ASSERTION_TYPE_WRONG: {
    en: () =>
      'client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer (RFC 7523).',
    fr: () =>
      'client_assertion_type doit valoir urn:ietf:params:oauth:client-assertion-type:jwt-bearer (RFC 7523).',
  },
  SCOPE_NOT_ALLOWED: {
    en: (d) => `scope "${d.scope}" is not allowed; ask for ${d.allowed}.`,
    fr: (d) => `La portée « ${d.scope} » n’est pas autorisée ; demandez ${d.allowed}.`,
  },
  FORM_CLIENT_ID_DIFFERS: {
    en: () => 'The form client_id differs from the assertion sub; they must be equal.',
    fr: () => 'Le client_id du formulaire diffère du sub de l’assertion ; ils doivent être égaux.',
  },
  CLIENT_UNKNOWN: {
    en: () => 'No client with this id is registered on this server (check the environment).',
    fr: () => 'Aucun client de cet identifiant n’est enregistré sur ce serveur (vérifiez l’environnement).',
  },
  ACCESS_KEY_UNKNOWN: {
    en: () => 'No credential with this access key exists on this server (check the environment).',
    fr: () => 'Aucun identifiant avec cette clé d’accès n’existe sur ce serveur (vérifiez l’environnement).',
  },
  CREDENTIAL_REVOKED: {
    en: () => 'This credential was revoked: ask for a new one.',
    fr: () => 'Cet identifiant a été révoqué : demandez-en un nouveau.',
  },
  BODY_NOT_JSON: {
    en: () => 'The body is not a JSON object; send {"application_id":…,"date":…,"signature":…}.',
    fr: () => 'Le corps n’est pas un objet JSON ; envoyez {"application_id":…,"date":…,"signature":…}.',
  },
  PARAMETER_MISSING: {
    en: (d) => `Parameter ${d.parameter} is missing or empty.`,
    fr: (d) => `Le paramètre ${d.parameter} est absent ou vide.`,
  },
  PARAMETER_NOT_STRING: {
    en: (d) => `Parameter ${d.parameter} must be a string.`,
    fr: (d) => `Le paramètre ${d.parameter} doit être une chaîne.`,
  },
  PARAMETER_TOO_LONG: {
    en: (d) => `Parameter ${d.parameter} is longer than ${d.limit} characters.`,
    fr: (d) => `Le paramètre ${d.parameter} dépasse ${d.limit} caractères.`,
  },
  APPLICATION_UNKNOWN: {
    en: () =>
      'No application with this application_id exists on this server; Fondy answers "Incorrect signature".',
    fr: () =>
      'Aucune application de cet application_id n’existe sur ce serveur ; Fondy répond « Incorrect signature ».',
  },
  APP_SIGNATURE_NOT_HEX: {
    en: () => 'The signature must be 128 lowercase hex digits (SHA-512).',
    fr: () => 'La signature doit compter 128 chiffres hexadécimaux minuscules (SHA-512).',
  },
  APP_SIGNATURE_WRONG_ORDER: {
    en: () => 'The signature hashes the right values in the wrong order: sha512(secret|application_id|date).',
    fr: () =>
      'La signature hache les bonnes valeurs dans le mauvais ordre : sha512(secret|application_id|date).',
  },
  APP_SIGNATURE_WRONG_HASH: {
    en: () => 'The signature uses SHA-256 (or SHA-1); Fondy expects SHA-512.',
    fr: () => 'La signature utilise SHA-256 (ou SHA-1) ; Fondy attend SHA-512.',
  },
  APP_SIGNATURE_MISMATCH: {
    en: () =>
      'The signature does not match this secret: sha512(secret + "|" + application_id + "|" + date), lowercase hex, UTF-8.',
    fr: () =>
      'La signature ne correspond pas à ce secret : sha512(secret + "|" + application_id + "|" + date), hexadécimal minuscule, UTF-8.',
  },
  TOKEN_MALFORMED: {
    en: () => 'This is not a compact JWT (three base64url parts separated by dots).',
    fr: () => 'Ce n’est pas un JWT compact (trois parties base64url séparées par des points).',
  },
  TOKEN_EXPIRED: {
    en: (d) => `The token expired ${d.seconds} s ago: get a new one (clients renew 60 s before expiry).`,
    fr: (d) =>
      `Le jeton a expiré il y a ${d.seconds} s : demandez-en un nouveau (les clients renouvellent 60 s avant).`,
  },
  TOKEN_NOT_ISSUED_HERE: {
    en: () =>
      'This server did not issue the token (unknown key, issuer or signature), or its key was rotated out.',
    fr: () =>
      'Ce serveur n’a pas émis ce jeton (clé, émetteur ou signature inconnus), ou sa clé a été retirée.',
  },
  TOKEN_MECHANISM: {
    en: (d) => `Issued by the ${d.mechanism} token endpoint: it opens that mechanism's resources only.`,
    fr: (d) => `Émis par le point de jeton ${d.mechanism} : il n’ouvre que les ressources de ce mécanisme.`,
  },
} as const satisfies Record<string, Record<Language, Text>>;

/** A cause `doctor` can name. */
export type DiagnosisCode = keyof typeof diagnosisMessages;

/**
 * Renders one cause in one language.
 *
 * @example
 * ```ts
 * describeDiagnosis('TIMESTAMP_IN_SECONDS', {}, 'fr')
 * ```
 */
export function describeDiagnosis(
  code: DiagnosisCode,
  details: Details = {},
  language: Language = 'en',
): string {
  return diagnosisMessages[code][language](details);
}
