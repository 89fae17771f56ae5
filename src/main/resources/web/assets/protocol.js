'use strict';
/*
 * The server websocket, spoken the way the panels' clients speak it (PROTOCOL.md §9):
 * - a fresh token (from fetchToken) before every connection attempt, `auth` on open;
 * - on `auth success` after being disconnected: `send logs` and `send stats`;
 * - `token expiring` / `token expired`: a new token and `auth` again (one refresh at a time);
 * - `jwt error`: disconnected; for an expired or denylisted token a refresh, otherwise a
 *   credentials error (no retry);
 * - any close except 1000, 1001 and 1005: reconnect with exponential backoff (1 s doubling up to
 *   30 s, reset by `auth success`), with a connect watchdog (5 s, +2.5 s per attempt, up to 20 s).
 * Events reach the page through on(name, handler): every server event by its wire name, plus
 * 'connecting', 'connected', 'disconnected', 'reconnecting', 'credentials', 'fatal' and 'token'.
 */
(function (global) {
  const FINAL_CLOSE_CODES = [1000, 1001, 1005];
  const REFRESH_ERRORS = ['jwt: exp claim is invalid', 'jwt: created too far in past (denylist)'];
  const MAX_BACKOFF_MS = 30000;

  /** The claims of a JWT (no verification: the daemon verifies; the page only reads permissions). */
  function claims(token) {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const padded = payload + '='.repeat((4 - (payload.length % 4)) % 4);
    const bytes = Uint8Array.from(global.atob(padded), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  /** PROTOCOL.md §3.5: the exact permission, or `*` for anything not starting with "admin". */
  function hasPermission(permissions, wanted) {
    return permissions.includes(wanted) || (permissions.includes('*') && !wanted.startsWith('admin'));
  }

  class TernSocket {
    /**
     * @param url        the websocket URL.
     * @param fetchToken async () => jwt; throws an error with .fatal = true to stop for good.
     */
    constructor(url, fetchToken) {
      this.url = url;
      this.fetchToken = fetchToken;
      this.handlers = new Map();
      this.ws = null;
      this.connected = false;
      this.attempt = 0;
      this.stopped = false;
      this.refreshing = null;
      this.permissions = [];
      this.reconnectTimer = null;
    }

    on(event, handler) {
      if (!this.handlers.has(event)) {
        this.handlers.set(event, []);
      }
      this.handlers.get(event).push(handler);
      return this;
    }

    emit(event, ...args) {
      for (const handler of this.handlers.get(event) || []) {
        handler(...args);
      }
    }

    can(permission) {
      return hasPermission(this.permissions, permission);
    }

    start() {
      this.stopped = false;
      this.connect();
    }

    /** Closes with 1000 and stops reconnecting (page leave). */
    stop() {
      this.stopped = true;
      clearTimeout(this.reconnectTimer);
      if (this.ws !== null) {
        this.ws.close(1000);
      }
    }

    /** Sends one event, as the panels do: args is [value], or [null] without a value. */
    send(event, value) {
      if (this.ws === null || this.ws.readyState !== WebSocket.OPEN) {
        return false;
      }
      this.ws.send(JSON.stringify({ event: event, args: [value === undefined ? null : value] }));
      return true;
    }

    async token() {
      const token = await this.fetchToken();
      this.permissions = claims(token).permissions || [];
      this.emit('token', this.permissions);
      return token;
    }

    async connect() {
      if (this.stopped) {
        return;
      }
      this.emit('connecting', this.attempt);
      let token;
      try {
        token = await this.token();
      } catch (error) {
        if (error.fatal) {
          this.stopped = true;
          this.emit('fatal', error);
        } else {
          this.scheduleReconnect('the token request failed: ' + error.message);
        }
        return;
      }
      if (this.stopped) {
        return;
      }
      const ws = new WebSocket(this.url);
      this.ws = ws;
      let opened = false;
      const watchdog = setTimeout(() => {
        if (!opened) {
          ws.close();
        }
      }, Math.min(5000 + 2500 * this.attempt, 20000));
      ws.onopen = () => {
        opened = true;
        clearTimeout(watchdog);
        ws.send(JSON.stringify({ event: 'auth', args: [token] }));
      };
      ws.onmessage = (message) => this.receive(message.data);
      ws.onclose = (close) => {
        clearTimeout(watchdog);
        if (this.ws !== ws) {
          return;
        }
        this.ws = null;
        this.connected = false;
        this.emit('disconnected', { code: close.code, reason: close.reason, opened: opened });
        if (this.stopped || FINAL_CLOSE_CODES.includes(close.code)) {
          return;
        }
        this.scheduleReconnect(close.code + (close.reason ? ' ' + close.reason : ''));
      };
    }

    scheduleReconnect(why) {
      const delay = Math.min(1000 * 2 ** this.attempt, MAX_BACKOFF_MS);
      this.attempt++;
      this.emit('reconnecting', { delay: delay, attempt: this.attempt, why: why });
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    }

    /** A new token and `auth` with it; concurrent requests share one refresh. */
    refresh() {
      if (this.refreshing === null) {
        this.refreshing = this.token()
          .then((token) => this.send('auth', token))
          .catch((error) => this.emit('credentials', 'Could not refresh the websocket token: ' + error.message))
          .finally(() => {
            this.refreshing = null;
          });
      }
      return this.refreshing;
    }

    receive(data) {
      let message;
      try {
        message = JSON.parse(data);
      } catch (error) {
        console.warn('tern: a websocket frame is not JSON', data);
        return;
      }
      const args = Array.isArray(message.args) ? message.args : [];
      switch (message.event) {
        case 'auth success':
          if (!this.connected) {
            this.connected = true;
            this.attempt = 0;
            this.emit('connected');
            this.send('send logs');
            this.send('send stats');
          }
          break;
        case 'token expiring':
        case 'token expired':
          this.refresh();
          break;
        case 'jwt error': {
          this.connected = false;
          const text = String(args[0] || '');
          if (REFRESH_ERRORS.some((known) => text.toLowerCase().includes(known))) {
            this.refresh();
          } else {
            this.emit('credentials', text);
          }
          break;
        }
        default:
          break;
      }
      this.emit(message.event, ...args);
    }
  }

  global.TernSocket = TernSocket;
  global.TernSocket.hasPermission = hasPermission;
})(window);
