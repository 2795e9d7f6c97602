// @ts-check
// The page's sign-in token: what it passes to `$connect` as `?token=` (browsers cannot set headers on
// a WebSocket). It comes from the Sign-in field, or from `?token=` on the page's own URL (a link a
// sign-in page or an administrator hands out). Either way it is kept in this tab's sessionStorage only
// (gone when the tab closes) and taken off the address bar, so it does not linger in the history, in
// bookmarks or on a shared screen.

const STORAGE_KEY = 'wschat.token';

/**
 * The token to connect with, or null: the page URL's `?token=` (moved to storage), else the stored one.
 * @param {Location} location
 * @param {History} history
 * @returns {string | null}
 */
export function takeToken(location, history) {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null) {
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.href);
    if (fromUrl === '') return null;
    rememberToken(fromUrl);
    return fromUrl;
  }
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: only a token in the URL signs in, for that page load
  }
}

/** @param {string} token */
export function rememberToken(token) {
  try {
    sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    // storage disabled: the token is used for this page load only
  }
}

export function forgetToken() {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing stored
  }
}
