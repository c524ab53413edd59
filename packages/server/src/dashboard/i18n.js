// @ts-check
// The dashboard's words in English and French (the API-money document exists in both). Diagnoses come from the
// server already translated; this file holds only the interface.

/** @typedef {'en' | 'fr'} Language */

/** @type {Record<Language, Record<string, string>>} */
const STRINGS = {
  en: {
    skip: 'Skip to content',
    dashboard: 'dashboard',
    'nav.label': 'Sections',
    'nav.credentials': 'Credentials',
    'nav.live': 'Live rejections',
    'nav.playground': 'Playground',
    'nav.tryIt': 'Try it',
    'nav.activity': 'Activity',
    logout: 'Log out',
    language: 'Français',
    'login.title': 'Sign in with the admin token',
    'login.help':
      '`payauth serve --demo` prints it; otherwise it is the value of --admin-token or PAYAUTH_ADMIN_TOKEN. It stays in this tab only (sessionStorage).',
    'login.token': 'Admin token',
    'login.submit': 'Sign in',
    'login.empty': 'Paste the admin token.',
    'login.refused': 'The server refused this token.',
    'login.expired': 'The admin token was refused: sign in again.',
    mechanism: 'Mechanism',
    partner: 'Partner',
    refresh: 'Refresh',
    all: 'All mechanisms',
    never: 'never',
    copy: 'Copy',
    copied: 'Copied',
    'error.generic': 'The request failed ({status}): {message}',
    'error.network': 'The server cannot be reached.',
    'credentials.title': 'Credentials',
    'credentials.create': 'Create a credential',
    'credentials.cert': 'Partner certificate (PEM)',
    'credentials.createButton': 'Create',
    'credentials.filterPartner': 'Partner filter',
    'credentials.none': 'No credential matches.',
    'credentials.partnerHeading': 'Partner {partner}',
    'credentials.publicId': 'Public id',
    'credentials.status': 'Status',
    'credentials.created': 'Created',
    'credentials.lastUse': 'Last use',
    'credentials.liveSecrets': 'Live secrets',
    'credentials.actions': 'Actions',
    'credentials.rotate': 'Rotate',
    'credentials.revoke': 'Revoke',
    'credentials.confirmRevoke': 'Confirm revoke',
    'credentials.tryIt': 'Try it',
    'credentials.created.status': 'Credential {publicId} created.',
    'credentials.rotated.status':
      'Credential {publicId} rotated: the previous secret stays live for the overlap.',
    'credentials.revoked.status': 'Credential {publicId} revoked.',
    'status.active': 'active',
    'status.revoked': 'revoked',
    'secret.title': 'Copy the secret now: it is shown once',
    'secret.help': 'The server keeps it encrypted or hashed and will never show it again.',
    'secret.dismiss': 'I have copied it',
    'secret.try': 'Try it with this credential',
    'field.id': 'Credential id',
    'field.partnerId': 'Partner',
    'field.mechanism': 'Mechanism',
    'field.accessKey': 'Access key',
    'field.secretKey': 'Secret key',
    'field.version': 'Version',
    'field.applicationId': 'Application id',
    'field.clientId': 'Client id',
    'field.apiKey': 'API key',
    'field.apiSecret': 'API secret',
    'field.kid': 'Key id (kid)',
    'live.title': 'Live rejections',
    'live.clear': 'Clear',
    'live.connected': 'Live: connected',
    'live.connecting': 'Connecting…',
    'live.retrying': 'Disconnected: retrying…',
    'live.empty': 'No rejection since this page opened. Send a failing request: it appears here at once.',
    'live.time': 'Time',
    'live.credential': 'Credential',
    'live.reason': 'Reason',
    'live.diagnosis': 'Diagnosis',
    'live.pick': "Select a rejection to see the request's shape and the fix.",
    'live.request': 'The request',
    'live.method': 'Method',
    'live.path': 'Path',
    'live.headers': 'Header names (values are never shown)',
    'live.requestId': 'Request id',
    'live.code': 'Code',
    'live.fix': 'How to fix it',
    'live.hint': 'Server hint',
    'live.noHeaders': 'none',
    'playground.title': 'Playground',
    'playground.help':
      'Paste what your client sends: every check runs in order, as `payauth doctor` does. For a known credential the server uses the secret it holds; a secret you type is used for this check only.',
    'playground.kind': 'What is it?',
    'playground.value': 'Value',
    'playground.secret': 'Secret key (optional)',
    'playground.check': 'Check',
    'playground.empty': 'Paste a value first.',
    'playground.valid': 'Accepted: every check passes.',
    'playground.invalid': 'Refused: {count} check(s) fail.',
    'playground.serverSecret': 'Checked with what the server holds for this credential (never shown).',
    'kind.hmac-header': 'API-money Authorization header (AUTH …)',
    'kind.assertion': 'eMoney client assertion (JWT)',
    'kind.token-request': 'eMoney token request body (form)',
    'kind.app-token-body': 'Fondy token request body (JSON)',
    'kind.token': 'Access token (Bearer)',
    'severity.pass': 'pass',
    'severity.error': 'fail',
    'severity.warning': 'warning',
    'severity.info': 'info',
    'try.title': 'Try it',
    'try.help':
      'A curl and a @payauth/client snippet for a chosen credential, runnable as shown. Secrets come from environment variables: the server cannot show them after creation.',
    'try.credential': 'Credential',
    'try.none': 'Create a credential first.',
    'try.env': '1. Set the secrets (shown once at creation)',
    'try.envFilled':
      '1. The secrets, filled in because this credential was just created (they vanish on reload)',
    'try.curl': '2. curl',
    'try.client': '3. @payauth/client (Node 22+: save as try.mjs, run `node try.mjs`)',
    'try.revoked': 'This credential is revoked: the server refuses it.',
    'activity.title': 'Accepted and rejected per minute',
    'activity.help': 'The last 60 minutes of the audit trail, per mechanism.',
    'activity.accepted': 'accepted',
    'activity.rejected': 'rejected',
    'activity.empty': 'No request in the last 60 minutes.',
    'activity.chartLabel': '{mechanism}: {accepted} accepted, {rejected} rejected in the last 60 minutes',
    'activity.minute': 'Minute',
    'activity.table': 'Numbers',
  },
  fr: {
    skip: 'Aller au contenu',
    dashboard: 'tableau de bord',
    'nav.label': 'Sections',
    'nav.credentials': 'Identifiants',
    'nav.live': 'Refus en direct',
    'nav.playground': 'Bac à sable',
    'nav.tryIt': 'Essayer',
    'nav.activity': 'Activité',
    logout: 'Se déconnecter',
    language: 'English',
    'login.title': 'Connexion avec le jeton d’administration',
    'login.help':
      '`payauth serve --demo` l’affiche ; sinon c’est la valeur de --admin-token ou de PAYAUTH_ADMIN_TOKEN. Il reste dans cet onglet seulement (sessionStorage).',
    'login.token': 'Jeton d’administration',
    'login.submit': 'Se connecter',
    'login.empty': 'Collez le jeton d’administration.',
    'login.refused': 'Le serveur a refusé ce jeton.',
    'login.expired': 'Le jeton d’administration a été refusé : reconnectez-vous.',
    mechanism: 'Mécanisme',
    partner: 'Partenaire',
    refresh: 'Actualiser',
    all: 'Tous les mécanismes',
    never: 'jamais',
    copy: 'Copier',
    copied: 'Copié',
    'error.generic': 'La requête a échoué ({status}) : {message}',
    'error.network': 'Le serveur est injoignable.',
    'credentials.title': 'Identifiants',
    'credentials.create': 'Créer un identifiant',
    'credentials.cert': 'Certificat du partenaire (PEM)',
    'credentials.createButton': 'Créer',
    'credentials.filterPartner': 'Filtre partenaire',
    'credentials.none': 'Aucun identifiant ne correspond.',
    'credentials.partnerHeading': 'Partenaire {partner}',
    'credentials.publicId': 'Identifiant public',
    'credentials.status': 'État',
    'credentials.created': 'Créé le',
    'credentials.lastUse': 'Dernière utilisation',
    'credentials.liveSecrets': 'Secrets actifs',
    'credentials.actions': 'Actions',
    'credentials.rotate': 'Renouveler',
    'credentials.revoke': 'Révoquer',
    'credentials.confirmRevoke': 'Confirmer la révocation',
    'credentials.tryIt': 'Essayer',
    'credentials.created.status': 'Identifiant {publicId} créé.',
    'credentials.rotated.status':
      'Identifiant {publicId} renouvelé : l’ancien secret reste valable pendant le chevauchement.',
    'credentials.revoked.status': 'Identifiant {publicId} révoqué.',
    'status.active': 'actif',
    'status.revoked': 'révoqué',
    'secret.title': 'Copiez le secret maintenant : il n’est affiché qu’une fois',
    'secret.help': 'Le serveur le garde chiffré ou haché et ne l’affichera plus jamais.',
    'secret.dismiss': 'Je l’ai copié',
    'secret.try': 'Essayer avec cet identifiant',
    'field.id': 'Identifiant interne',
    'field.partnerId': 'Partenaire',
    'field.mechanism': 'Mécanisme',
    'field.accessKey': 'Clé d’accès',
    'field.secretKey': 'Clé secrète',
    'field.version': 'Version',
    'field.applicationId': 'Identifiant d’application',
    'field.clientId': 'Identifiant client',
    'field.apiKey': 'Clé d’API',
    'field.apiSecret': 'Secret d’API',
    'field.kid': 'Identifiant de clé (kid)',
    'live.title': 'Refus en direct',
    'live.clear': 'Effacer',
    'live.connected': 'En direct : connecté',
    'live.connecting': 'Connexion…',
    'live.retrying': 'Déconnecté : nouvel essai…',
    'live.empty':
      'Aucun refus depuis l’ouverture de cette page. Envoyez une requête refusée : elle apparaît ici aussitôt.',
    'live.time': 'Heure',
    'live.credential': 'Identifiant',
    'live.reason': 'Motif',
    'live.diagnosis': 'Diagnostic',
    'live.pick': 'Choisissez un refus pour voir la forme de la requête et la correction.',
    'live.request': 'La requête',
    'live.method': 'Méthode',
    'live.path': 'Chemin',
    'live.headers': 'Noms des en-têtes (les valeurs ne sont jamais affichées)',
    'live.requestId': 'Identifiant de requête',
    'live.code': 'Code',
    'live.fix': 'Comment corriger',
    'live.hint': 'Indice du serveur',
    'live.noHeaders': 'aucun',
    'playground.title': 'Bac à sable',
    'playground.help':
      'Collez ce qu’envoie votre client : chaque vérification s’exécute dans l’ordre, comme avec `payauth doctor`. Pour un identifiant connu, le serveur utilise le secret qu’il détient ; un secret saisi ici ne sert qu’à cette vérification.',
    'playground.kind': 'De quoi s’agit-il ?',
    'playground.value': 'Valeur',
    'playground.secret': 'Clé secrète (facultative)',
    'playground.check': 'Vérifier',
    'playground.empty': 'Collez d’abord une valeur.',
    'playground.valid': 'Accepté : toutes les vérifications passent.',
    'playground.invalid': 'Refusé : {count} vérification(s) en échec.',
    'playground.serverSecret':
      'Vérifié avec ce que le serveur détient pour cet identifiant (jamais affiché).',
    'kind.hmac-header': 'En-tête Authorization API-money (AUTH …)',
    'kind.assertion': 'Assertion client eMoney (JWT)',
    'kind.token-request': 'Corps de la demande de jeton eMoney (formulaire)',
    'kind.app-token-body': 'Corps de la demande de jeton Fondy (JSON)',
    'kind.token': 'Jeton d’accès (Bearer)',
    'severity.pass': 'réussi',
    'severity.error': 'échec',
    'severity.warning': 'avertissement',
    'severity.info': 'info',
    'try.title': 'Essayer',
    'try.help':
      'Un curl et un extrait @payauth/client pour l’identifiant choisi, exécutables tels quels. Les secrets sont lus dans des variables d’environnement : le serveur ne peut plus les afficher après la création.',
    'try.credential': 'Identifiant',
    'try.none': 'Créez d’abord un identifiant.',
    'try.env': '1. Définissez les secrets (affichés une fois, à la création)',
    'try.envFilled':
      '1. Les secrets, remplis car cet identifiant vient d’être créé (ils disparaissent au rechargement)',
    'try.curl': '2. curl',
    'try.client': '3. @payauth/client (Node 22+ : enregistrez sous try.mjs, lancez `node try.mjs`)',
    'try.revoked': 'Cet identifiant est révoqué : le serveur le refuse.',
    'activity.title': 'Acceptées et refusées par minute',
    'activity.help': 'Les 60 dernières minutes du journal d’audit, par mécanisme.',
    'activity.accepted': 'acceptées',
    'activity.rejected': 'refusées',
    'activity.empty': 'Aucune requête dans les 60 dernières minutes.',
    'activity.chartLabel': '{mechanism} : {accepted} acceptées, {rejected} refusées ces 60 dernières minutes',
    'activity.minute': 'Minute',
    'activity.table': 'Chiffres',
  },
};

const LANGUAGE_KEY = 'payauth.language';
/** @type {Set<(language: Language) => void>} */
const listeners = new Set();

/** @returns {Language} */
function initialLanguage() {
  const saved = window.localStorage.getItem(LANGUAGE_KEY);
  if (saved === 'en' || saved === 'fr') return saved;
  return (navigator.language ?? '').toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

let current = initialLanguage();

/**
 * The language shown: `en` or `fr`.
 * @returns {Language}
 */
export function language() {
  return current;
}

/**
 * Switches the language, saves the choice and tells every listener.
 * @param {string} next
 */
export function setLanguage(next) {
  if (next !== 'en' && next !== 'fr') return;
  current = next;
  window.localStorage.setItem(LANGUAGE_KEY, next);
  for (const listener of listeners) listener(next);
}

/**
 * Calls `listener` after each language change.
 * @param {(language: Language) => void} listener
 */
export function onLanguageChange(listener) {
  listeners.add(listener);
}

/**
 * The sentence for `key` in the current language, with `{name}` replaced from `values` (as text).
 * @param {string} key
 * @param {Record<string, string | number>} [values]
 * @returns {string}
 */
export function t(key, values = {}) {
  const template = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, /** @type {string} */ name) =>
    name in values ? String(values[name]) : `{${name}}`,
  );
}

/**
 * Fills every `[data-i18n]` element of the page with its sentence (as text) and sets `<html lang>`.
 * @param {ParentNode} [root]
 */
export function translatePage(root = document) {
  document.documentElement.lang = current;
  for (const element of root.querySelectorAll('[data-i18n]')) {
    element.textContent = t(element.getAttribute('data-i18n') ?? '');
  }
}

/**
 * A date and time in the current language's format ('' for a value that is not a date).
 * @param {string | number | undefined} value
 * @param {boolean} [withDate]
 */
export function formatTime(value, withDate = true) {
  const date = new Date(value ?? Number.NaN);
  if (Number.isNaN(date.getTime())) return '';
  /** @type {Intl.DateTimeFormatOptions} */
  const options = withDate
    ? { dateStyle: 'short', timeStyle: 'medium' }
    : { hour: '2-digit', minute: '2-digit', second: '2-digit' };
  return new Intl.DateTimeFormat(current === 'fr' ? 'fr-FR' : 'en-GB', options).format(date);
}
