// The page's strings, picked from gcLangTag (e.g. "de-de", "fr", "en-us"); anything unknown falls back to English.
// Values are plain text: they are only ever set with textContent. {name} placeholders are filled by t().

const STRINGS = {
  en: {
    appTitle: 'Desktop alerts',
    openAlerts: 'Open alerts',
    noAlerts: 'No open alerts.',
    signInHeading: 'Sign in',
    signInText: 'Sign in with your Genesys Cloud account to receive alerts.',
    signInButton: 'Sign in',
    signingIn: 'Signing in…',
    signedInAs: 'Signed in as {name}',
    popupDone: 'Signed in. You can close this window.',
    signInFailed: 'Sign-in failed: {detail}',
    notConfigured: 'The agent app is not configured (no OAuth client id).',
    configFailed: 'Could not load the settings: {detail}',
    standalone: 'Not running inside Genesys Cloud: alerts appear in this list only, not as Genesys pop-ups.',
    connConnecting: 'Connecting…',
    connLive: 'Connected: new alerts appear here.',
    connRetry: 'Offline. Reconnecting in {seconds} s.',
    connOffline: 'Offline.',
    typeInfo: 'Info',
    typeWarning: 'Warning',
    typeError: 'Error',
    expires: 'Expires at {time}',
    sending: 'Sending…',
    done: 'Done.',
    failed: 'Failed: {detail}',
    opensNewTab: '(opens in a new tab)',
    announceNew: 'New alert: {title}',
    announceRemoved: 'Alert removed: {title}',
    announceExpired: 'Alert expired: {title}',
    warningPrefix: 'Warning: {title}',
  },
  de: {
    appTitle: 'Desktop-Meldungen',
    openAlerts: 'Offene Meldungen',
    noAlerts: 'Keine offenen Meldungen.',
    signInHeading: 'Anmelden',
    signInText: 'Melden Sie sich mit Ihrem Genesys-Cloud-Konto an, um Meldungen zu erhalten.',
    signInButton: 'Anmelden',
    signingIn: 'Anmeldung läuft…',
    signedInAs: 'Angemeldet als {name}',
    popupDone: 'Angemeldet. Sie können dieses Fenster schließen.',
    signInFailed: 'Anmeldung fehlgeschlagen: {detail}',
    notConfigured: 'Die Agent-App ist nicht eingerichtet (keine OAuth-Client-ID).',
    configFailed: 'Die Einstellungen konnten nicht geladen werden: {detail}',
    standalone:
      'Nicht in Genesys Cloud eingebettet: Meldungen erscheinen nur in dieser Liste, nicht als Genesys-Pop-ups.',
    connConnecting: 'Verbindung wird aufgebaut…',
    connLive: 'Verbunden: neue Meldungen erscheinen hier.',
    connRetry: 'Offline. Neuer Versuch in {seconds} s.',
    connOffline: 'Offline.',
    typeInfo: 'Info',
    typeWarning: 'Warnung',
    typeError: 'Fehler',
    expires: 'Läuft ab um {time}',
    sending: 'Wird gesendet…',
    done: 'Erledigt.',
    failed: 'Fehlgeschlagen: {detail}',
    opensNewTab: '(öffnet in einem neuen Tab)',
    announceNew: 'Neue Meldung: {title}',
    announceRemoved: 'Meldung entfernt: {title}',
    announceExpired: 'Meldung abgelaufen: {title}',
    warningPrefix: 'Warnung: {title}',
  },
  fr: {
    appTitle: 'Alertes du poste',
    openAlerts: 'Alertes ouvertes',
    noAlerts: 'Aucune alerte ouverte.',
    signInHeading: 'Connexion',
    signInText: 'Connectez-vous avec votre compte Genesys Cloud pour recevoir les alertes.',
    signInButton: 'Se connecter',
    signingIn: 'Connexion en cours…',
    signedInAs: 'Connecté en tant que {name}',
    popupDone: 'Connecté. Vous pouvez fermer cette fenêtre.',
    signInFailed: 'Échec de la connexion : {detail}',
    notConfigured: "L'application agent n'est pas configurée (aucun identifiant client OAuth).",
    configFailed: 'Impossible de charger les paramètres : {detail}',
    standalone:
      'Hors de Genesys Cloud : les alertes apparaissent uniquement dans cette liste, pas en fenêtres Genesys.',
    connConnecting: 'Connexion au service…',
    connLive: 'Connecté : les nouvelles alertes apparaissent ici.',
    connRetry: 'Hors ligne. Nouvel essai dans {seconds} s.',
    connOffline: 'Hors ligne.',
    typeInfo: 'Info',
    typeWarning: 'Avertissement',
    typeError: 'Erreur',
    expires: 'Expire à {time}',
    sending: 'Envoi…',
    done: 'Terminé.',
    failed: 'Échec : {detail}',
    opensNewTab: '(s’ouvre dans un nouvel onglet)',
    announceNew: 'Nouvelle alerte : {title}',
    announceRemoved: 'Alerte retirée : {title}',
    announceExpired: 'Alerte expirée : {title}',
    warningPrefix: 'Avertissement : {title}',
  },
};

/** The language to use for a gcLangTag: its primary subtag when we have it, else 'en'. */
export function pickLanguage(langTag) {
  const primary = String(langTag || '')
    .toLowerCase()
    .split(/[-_]/)[0];
  return Object.prototype.hasOwnProperty.call(STRINGS, primary) ? primary : 'en';
}

let current = STRINGS.en;

/**
 * Selects the strings. Returns the BCP 47 tag for lang= and for dates: gcLangTag itself when its language is
 * supported (so "de-ch" keeps Swiss dates), else "en".
 */
export function setLanguage(langTag) {
  const lang = pickLanguage(langTag);
  current = STRINGS[lang];
  const given = String(langTag || '').replace(/_/g, '-');
  const sameLanguage = given.toLowerCase().split('-')[0] === lang;
  return { lang, tag: sameLanguage && /^[A-Za-z0-9-]{2,35}$/.test(given) ? given : lang };
}

export function t(key, vars) {
  const s = current[key] ?? STRINGS.en[key] ?? key;
  return vars ? s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : s;
}

/** Fills every [data-i18n] element's text. */
export function translatePage(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  document.title = t('appTitle');
}
