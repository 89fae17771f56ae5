'use strict';
/*
 * The server list, /: every server on this node (GET /api/servers with the node token), its state,
 * and a link to its console.
 */
(function () {
  const app = document.getElementById('app');
  const signOut = document.getElementById('sign-out');

  function cell(row, text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) {
      td.className = className;
    }
    row.append(td);
    return td;
  }

  function render(servers) {
    app.replaceChildren();
    signOut.hidden = false;
    if (servers.length === 0) {
      const empty = document.createElement('p');
      empty.id = 'no-servers';
      empty.textContent = 'This node has no servers yet (add one with POST /api/servers).';
      app.append(empty);
      return;
    }
    const table = document.createElement('table');
    table.className = 'servers';
    table.id = 'servers';
    const head = table.createTHead().insertRow();
    for (const title of ['Server', 'State', 'Memory', 'Command']) {
      const th = document.createElement('th');
      th.textContent = title;
      head.append(th);
    }
    const body = table.createTBody();
    for (const server of servers) {
      const uuid = server.configuration.uuid;
      const row = body.insertRow();
      row.dataset.uuid = uuid;
      const link = document.createElement('a');
      link.href = '/console/' + encodeURIComponent(uuid);
      link.textContent = uuid;
      link.className = 'console-link';
      cell(row, '').append(link);
      const state = document.createElement('span');
      state.className = 'badge';
      state.dataset.state = server.state;
      state.textContent = server.is_suspended ? server.state + ' · suspended' : server.state;
      cell(row, '').append(state);
      const memory = server.utilization.memory_bytes;
      cell(row, memory > 0 ? (memory / 1048576).toFixed(1) + ' MiB' : '–', 'number');
      cell(row, server.configuration.invocation, 'invocation');
    }
    app.append(table);
  }

  async function load() {
    try {
      render(await window.TernAuth.api('/api/servers'));
    } catch (error) {
      if (error instanceof window.TernAuth.SignInError) {
        showSignIn(error.message);
      } else {
        app.replaceChildren();
        const p = document.createElement('p');
        p.className = 'notice notice-error';
        p.textContent = 'Could not list the servers: ' + error.message;
        app.append(p);
      }
    }
  }

  function showSignIn(message) {
    signOut.hidden = true;
    window.TernAuth.showForm(app, message, load);
  }

  signOut.addEventListener('click', () => {
    window.TernAuth.signOut();
    showSignIn();
  });

  window.TernAuth.takeFragment();
  if (window.TernAuth.nodeToken() === null) {
    showSignIn();
  } else {
    load();
  }
})();
