'use strict';
/*
 * The operator's sign-in: the node token, entered once per browser tab and kept in sessionStorage
 * (gone when the tab closes). Demo mode's URL carries it in the fragment (#token=...), which the
 * browser never sends to the server; it is moved into sessionStorage and removed from the address
 * bar at once. Every admin API call goes through api(), with Authorization: Bearer.
 */
(function (global) {
  const KEY = 'tern.nodeToken';

  /** Moves a #token=... fragment into sessionStorage and strips it from the URL and the history entry. */
  function takeFragment() {
    const hash = global.location.hash;
    if (!hash.startsWith('#token=')) {
      return;
    }
    const token = decodeURIComponent(hash.slice('#token='.length));
    if (token !== '') {
      global.sessionStorage.setItem(KEY, token);
    }
    global.history.replaceState(null, '', global.location.pathname + global.location.search);
  }

  function nodeToken() {
    return global.sessionStorage.getItem(KEY);
  }

  function signOut() {
    global.sessionStorage.removeItem(KEY);
  }

  /** An admin API error the operator must act on (the node token was refused). */
  class SignInError extends Error {
  }

  /**
   * fetch() against the admin API with the node token. Throws SignInError on 401/403 (the token is
   * then forgotten), and an Error naming the status and the daemon's message on any other failure.
   */
  async function api(path, options) {
    const token = nodeToken();
    if (token === null) {
      throw new SignInError('Sign in with the node token first.');
    }
    const response = await global.fetch(path, Object.assign({}, options, {
      headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' },
      cache: 'no-store',
    }));
    if (response.ok) {
      return response.json();
    }
    let message = response.statusText;
    try {
      message = (await response.json()).error || message;
    } catch (ignored) {
      // Not JSON: keep the status text.
    }
    if (response.status === 401 || response.status === 403) {
      signOut();
      throw new SignInError('The daemon refused the node token (' + response.status + ' ' + message + ')');
    }
    const error = new Error(response.status + ' ' + message);
    error.status = response.status;
    throw error;
  }

  /**
   * Replaces container's content with the sign-in form; onSignedIn runs once a token is stored.
   * message, when given, says why sign-in is needed again.
   */
  function showForm(container, message, onSignedIn) {
    container.replaceChildren();
    const form = document.createElement('form');
    form.className = 'signin';
    form.id = 'signin';
    const title = document.createElement('h2');
    title.textContent = 'Sign in';
    const help = document.createElement('p');
    help.textContent = 'Enter the node token (the config file\'s "token", or the one demo mode printed). '
      + 'It stays in this browser tab only.';
    const label = document.createElement('label');
    label.htmlFor = 'node-token';
    label.textContent = 'Node token';
    const input = document.createElement('input');
    input.type = 'password';
    input.id = 'node-token';
    input.autocomplete = 'off';
    input.required = true;
    const button = document.createElement('button');
    button.type = 'submit';
    button.id = 'signin-submit';
    button.textContent = 'Sign in';
    form.append(title, help);
    if (message) {
      const error = document.createElement('p');
      error.className = 'signin-error';
      error.id = 'signin-error';
      error.textContent = message;
      form.append(error);
    }
    form.append(label, input, button);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (token === '') {
        return;
      }
      global.sessionStorage.setItem(KEY, token);
      onSignedIn();
    });
    container.append(form);
    input.focus();
  }

  global.TernAuth = { takeFragment, nodeToken, signOut, api, showForm, SignInError };
})(window);
