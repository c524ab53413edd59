import type { RejectionCode } from '../errors/codes.ts';
import type { Language } from './messages.ts';

/**
 * For every rejection code, what to do, in English and French: the "what to do" column of docs/errors.md, for the
 * live rejection stream and the dashboard. Never a secret; a test pins one entry per code.
 */
export const rejectionAdvice: Readonly<Record<RejectionCode, Readonly<Record<Language, string>>>> = {
  ERR_HMAC_HEADER_MISSING: {
    en: 'Send Authorization: AUTH accessKey:timestampMs:1:sign.',
    fr: 'Envoyez Authorization: AUTH accessKey:timestampMs:1:sign.',
  },
  ERR_HMAC_HEADER_MALFORMED: {
    en: 'The header is not AUTH accessKey:timestampMs:version:sign; run payauth doctor hmac to find the field at fault (typographic quotes, seconds, uppercase hex…).',
    fr: 'L’en-tête n’est pas de la forme AUTH accessKey:timestampMs:version:sign ; lancez payauth doctor hmac pour trouver le champ fautif (guillemets typographiques, secondes, hexadécimal majuscule…).',
  },
  ERR_HMAC_VERSION_UNSUPPORTED: { en: 'Use version 1.', fr: 'Utilisez la version 1.' },
  ERR_HMAC_KEY_UNKNOWN: {
    en: 'Unknown access key: check it; it may belong to another environment.',
    fr: 'Clé d’accès inconnue : vérifiez-la ; elle appartient peut-être à un autre environnement.',
  },
  ERR_HMAC_SIGNATURE_MISMATCH: {
    en: 'Signature mismatch: StringToSign is accessKey:timestamp:version: (with the trailing colon) and the HMAC key is the secret.',
    fr: 'Signature incorrecte : StringToSign vaut accessKey:timestamp:version: (avec les deux-points final) et la clé HMAC est le secret.',
  },
  ERR_HMAC_TIMESTAMP_STALE: {
    en: 'Timestamp older than 5 minutes, or in seconds instead of milliseconds: sign each request when sending it.',
    fr: 'Timestamp de plus de 5 minutes, ou en secondes au lieu de millisecondes : signez chaque requête au moment de l’envoyer.',
  },
  ERR_HMAC_TIMESTAMP_FUTURE: {
    en: 'Your clock runs ahead by more than 5 minutes: sync it (NTP).',
    fr: 'Votre horloge avance de plus de 5 minutes : synchronisez-la (NTP).',
  },
  ERR_HMAC_REPLAYED: {
    en: 'Single-use mode: this header was already accepted once. Sign again.',
    fr: 'Mode usage unique : cet en-tête a déjà été accepté une fois. Signez à nouveau.',
  },
  ERR_APP_TOKEN_SIGNATURE_MISMATCH: {
    en: 'Incorrect signature: sha512(secret|application_id|date) in lowercase hex, UTF-8.',
    fr: 'Signature incorrecte : sha512(secret|application_id|date) en hexadécimal minuscule, UTF-8.',
  },
  ERR_APP_TOKEN_APPLICATION_UNKNOWN: {
    en: 'Unknown application_id (answered as an incorrect signature, on purpose): check it and the environment.',
    fr: 'application_id inconnu (répondu comme une signature incorrecte, exprès) : vérifiez-le ainsi que l’environnement.',
  },
  ERR_APP_TOKEN_PARAMETER_INVALID: {
    en: 'A parameter is missing, not a string, or too long (application_id 20, date 1024, signature 128).',
    fr: 'Un paramètre est absent, n’est pas une chaîne ou est trop long (application_id 20, date 1024, signature 128).',
  },
  ERR_APP_TOKEN_DATE_STALE: {
    en: 'Strict mode: date must be a Unix timestamp or an ISO date within 5 minutes.',
    fr: 'Mode strict : date doit être un timestamp Unix ou une date ISO à moins de 5 minutes.',
  },
  ERR_APP_TOKEN_REPLAYED: {
    en: 'Strict mode: a signature is accepted once. Use a fresh date.',
    fr: 'Mode strict : une signature n’est acceptée qu’une fois. Utilisez une nouvelle date.',
  },
  ERR_OAUTH_INVALID_REQUEST: {
    en: 'The form body misses a field, repeats one, is not url-encoded, or is too large.',
    fr: 'Le formulaire omet un champ, en répète un, n’est pas url-encodé ou est trop grand.',
  },
  ERR_OAUTH_UNSUPPORTED_GRANT_TYPE: {
    en: 'Use grant_type=client_credentials.',
    fr: 'Utilisez grant_type=client_credentials.',
  },
  ERR_OAUTH_INVALID_SCOPE: {
    en: 'Ask for scope=API (or a scope the client was given).',
    fr: 'Demandez scope=API (ou une portée accordée au client).',
  },
  ERR_OAUTH_UNAUTHORIZED_CLIENT: {
    en: 'The client is not allowed this grant.',
    fr: 'Le client n’a pas droit à cette autorisation.',
  },
  ERR_ASSERTION_MALFORMED: {
    en: 'client_assertion is not a compact JWS, or its jti is not a string.',
    fr: 'client_assertion n’est pas un JWS compact, ou son jti n’est pas une chaîne.',
  },
  ERR_ASSERTION_CLIENT_UNKNOWN: {
    en: 'The assertion sub names no registered client.',
    fr: 'Le sub de l’assertion ne désigne aucun client enregistré.',
  },
  ERR_ASSERTION_CLIENT_ID_MISMATCH: {
    en: 'The form client_id differs from the assertion sub.',
    fr: 'Le client_id du formulaire diffère du sub de l’assertion.',
  },
  ERR_ASSERTION_ALGORITHM_REJECTED: {
    en: 'Only RS256 by default; never none, never HS*.',
    fr: 'RS256 seulement par défaut ; jamais none, jamais HS*.',
  },
  ERR_ASSERTION_KEY_UNKNOWN: {
    en: 'kid names no live certificate of this client (x5t, hex SHA-1 or x5t#S256 accepted).',
    fr: 'kid ne désigne aucun certificat valide de ce client (x5t, SHA-1 hexadécimal ou x5t#S256 acceptés).',
  },
  ERR_ASSERTION_SIGNATURE_INVALID: {
    en: 'Signed with a key that does not match the registered certificate.',
    fr: 'Signée avec une clé qui ne correspond pas au certificat enregistré.',
  },
  ERR_ASSERTION_ISSUER_MISMATCH: {
    en: 'iss and sub must both be the client_id.',
    fr: 'iss et sub doivent tous deux valoir le client_id.',
  },
  ERR_ASSERTION_AUDIENCE_MISMATCH: {
    en: 'aud must be the token endpoint URL or the issuer URL.',
    fr: 'aud doit être l’URL du point de jeton ou l’URL de l’émetteur.',
  },
  ERR_ASSERTION_EXPIRY_MISSING: {
    en: 'exp is required (seconds since the epoch).',
    fr: 'exp est obligatoire (secondes depuis l’époque Unix).',
  },
  ERR_ASSERTION_EXPIRED: {
    en: 'The assertion has expired: create a new one for each token request.',
    fr: 'L’assertion a expiré : créez-en une nouvelle pour chaque demande de jeton.',
  },
  ERR_ASSERTION_LIFETIME_TOO_LONG: {
    en: 'exp at most one day ahead.',
    fr: 'exp au plus un jour dans le futur.',
  },
  ERR_ASSERTION_NOT_YET_VALID: {
    en: 'nbf/iat in the future: sync your clock.',
    fr: 'nbf/iat dans le futur : synchronisez votre horloge.',
  },
  ERR_ASSERTION_REPLAYED: {
    en: 'An assertion is accepted once (by jti, or by its hash when it has none).',
    fr: 'Une assertion n’est acceptée qu’une fois (par jti, ou par son empreinte quand il n’y en a pas).',
  },
  ERR_API_KEY_CREDENTIALS_REQUIRED: {
    en: 'Send both apiKey and apiSecret, non-empty.',
    fr: 'Envoyez apiKey et apiSecret, non vides.',
  },
  ERR_API_KEY_PAYLOAD_INVALID: {
    en: 'Send JSON with Content-Type: application/json.',
    fr: 'Envoyez du JSON avec Content-Type: application/json.',
  },
  ERR_API_KEY_CREDENTIALS_INVALID: {
    en: 'Wrong key or secret (same answer for both).',
    fr: 'Clé ou secret incorrect (même réponse pour les deux).',
  },
  ERR_TOKEN_MISSING: {
    en: 'Send Authorization: Bearer <token>.',
    fr: 'Envoyez Authorization: Bearer <jeton>.',
  },
  ERR_TOKEN_INVALID: {
    en: 'The token was not issued by this server (or its key was rotated out): get a new one.',
    fr: 'Le jeton n’a pas été émis par ce serveur (ou sa clé a été retirée) : demandez-en un nouveau.',
  },
  ERR_TOKEN_EXPIRED: {
    en: 'Get a new token; clients renew 60 s before expiry.',
    fr: 'Demandez un nouveau jeton ; les clients renouvellent 60 s avant l’expiration.',
  },
  ERR_APIKEY_MISSING: {
    en: 'eMoney resources also need the apikey header.',
    fr: 'Les ressources eMoney demandent aussi l’en-tête apikey.',
  },
  ERR_APIKEY_INVALID: {
    en: 'The apikey header does not belong to the token’s client.',
    fr: 'L’en-tête apikey n’appartient pas au client du jeton.',
  },
  ERR_CREDENTIAL_REVOKED: {
    en: 'The credential was revoked (or its rotation window ended).',
    fr: 'L’identifiant a été révoqué (ou sa période de rotation est terminée).',
  },
  ERR_RATE_LIMITED: {
    en: 'Too many failures for this credential or address: wait Retry-After seconds.',
    fr: 'Trop d’échecs pour cet identifiant ou cette adresse : attendez Retry-After secondes.',
  },
  ERR_SERVICE_UNAVAILABLE: {
    en: 'The store or shared state is unreachable: retry after Retry-After.',
    fr: 'Le stockage ou l’état partagé est injoignable : réessayez après Retry-After.',
  },
  ERR_SERVER_ERROR: {
    en: 'The sandbox played the server-error scenario: retry idempotent calls later, never in a tight loop.',
    fr: 'Le bac à sable a joué le scénario server-error : réessayez plus tard les appels idempotents, jamais en boucle serrée.',
  },
  ERR_REQUEST_AMBIGUOUS: {
    en: 'The request carries a header twice (Host or Authorization): send each one once.',
    fr: 'La requête porte un en-tête en double (Host ou Authorization) : envoyez chacun une seule fois.',
  },
};

/**
 * What to do about a rejection, in one language; undefined for a code that is not a rejection code.
 *
 * @example
 * ```ts
 * describeRejection('ERR_HMAC_TIMESTAMP_STALE', 'fr')
 * ```
 */
export function describeRejection(code: string, language: Language = 'en'): string | undefined {
  return Object.hasOwn(rejectionAdvice, code) ? rejectionAdvice[code as RejectionCode][language] : undefined;
}
