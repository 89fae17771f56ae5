'use strict';
/*
 * One server's console page, /console/{uuid}: the console output (ANSI colours, auto-scroll that
 * stops while the operator reads back), the command input with history, the power buttons, the
 * state badge and live CPU, memory and network graphs, over one TernSocket. Tokens come from the
 * admin API's POST /api/servers/{uuid}/ws/token, signed in with the node token.
 */
(function () {
  const MAX_LINES = 2000;
  const HISTORY_SIZE = 32;
  const CHART_POINTS = 61;
  const CHART_SECONDS = 60;
  const DAEMON_PREFIX = '\x1b[1m\x1b[33mcontainer@tern~ \x1b[0m';

  const uuid = decodeURIComponent(window.location.pathname.slice('/console/'.length));
  const $ = (id) => document.getElementById(id);
  const output = $('console');
  const notices = $('notices');
  const commandInput = $('command');
  const buttons = { start: $('power-start'), restart: $('power-restart'), stop: $('power-stop') };
  let socket = null;
  let serverState = null;
  let followOutput = true;

  document.title = uuid + ' · Tern';
  $('server-name').textContent = uuid;

  // ---- notices -------------------------------------------------------------------------------

  /** Shows (or replaces) the notice with this key; level is info, warning or error. */
  function notice(key, level, text) {
    let element = notices.querySelector('[data-key="' + key + '"]');
    if (element === null) {
      element = document.createElement('div');
      element.dataset.key = key;
      notices.append(element);
    }
    element.className = 'notice notice-' + level;
    element.id = 'notice-' + key;
    element.textContent = text;
    return element;
  }

  function clearNotice(key) {
    const element = notices.querySelector('[data-key="' + key + '"]');
    if (element !== null) {
      element.remove();
    }
  }

  function setConnection(state, text) {
    const element = $('connection');
    element.dataset.connection = state;
    element.textContent = text;
  }

  // ---- console output ------------------------------------------------------------------------

  function atBottom() {
    return output.scrollTop + output.clientHeight >= output.scrollHeight - 4;
  }

  output.addEventListener('scroll', () => {
    followOutput = atBottom();
    $('follow').hidden = followOutput;
  });

  $('follow').addEventListener('click', () => {
    followOutput = true;
    output.scrollTop = output.scrollHeight;
    $('follow').hidden = true;
  });

  /** One console line, rendered from its ANSI codes; the panel strips one trailing newline. */
  function writeLine(text, className) {
    const line = document.createElement('div');
    line.className = 'line' + (className ? ' ' + className : '');
    window.TernAnsi.renderLine(String(text).replace(/\r?\n$/, '').replace(/\r$/, ''), line);
    output.append(line);
    while (output.childElementCount > MAX_LINES) {
      output.firstElementChild.remove();
    }
    if (followOutput) {
      output.scrollTop = output.scrollHeight;
    } else {
      $('follow').hidden = false;
    }
  }

  function clearOutput() {
    output.replaceChildren();
    followOutput = true;
    $('follow').hidden = true;
  }

  // ---- commands ------------------------------------------------------------------------------

  const history = [];
  let historyIndex = -1;

  $('command-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const command = commandInput.value;
    if (command.trim() === '' || socket === null || !socket.send('send command', command)) {
      return;
    }
    if (history[0] !== command) {
      history.unshift(command);
      history.length = Math.min(history.length, HISTORY_SIZE);
    }
    historyIndex = -1;
    commandInput.value = '';
  });

  commandInput.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowUp' && historyIndex < history.length - 1) {
      historyIndex++;
    } else if (event.key === 'ArrowDown' && historyIndex >= 0) {
      historyIndex--;
    } else {
      return;
    }
    event.preventDefault();
    commandInput.value = historyIndex < 0 ? '' : history[historyIndex];
    commandInput.setSelectionRange(commandInput.value.length, commandInput.value.length);
  });

  // ---- power and permissions -----------------------------------------------------------------

  function updateControls() {
    const live = socket !== null && socket.connected && serverState !== null;
    const can = (permission) => socket !== null && socket.can(permission);
    buttons.start.disabled = !(live && serverState === 'offline' && can('control.start'));
    buttons.restart.disabled = !(live && can('control.restart'));
    buttons.stop.disabled = !(live && serverState !== 'offline' && can('control.stop'));
    const kill = serverState === 'stopping';
    buttons.stop.textContent = kill ? 'Kill' : 'Stop';
    buttons.stop.dataset.action = kill ? 'kill' : 'stop';
    buttons.stop.classList.toggle('kill', kill);
    const canType = socket !== null && socket.connected && can('control.console');
    commandInput.disabled = !canType;
    commandInput.placeholder = socket !== null && !can('control.console')
      ? 'This token has no control.console permission: commands are disabled.'
      : 'Type a command…';
  }

  buttons.start.addEventListener('click', () => socket.send('set state', 'start'));
  buttons.restart.addEventListener('click', () => socket.send('set state', 'restart'));
  buttons.stop.addEventListener('click', () => socket.send('set state', buttons.stop.dataset.action));

  function setState(state) {
    serverState = state;
    const badge = $('state');
    badge.dataset.state = state;
    badge.textContent = state;
    updateControls();
  }

  // ---- stats ---------------------------------------------------------------------------------

  const series = { time: [], cpu: [], memory: [], rx: [], tx: [] };
  let previousNetwork = null;
  const charts = {};

  function bytes(value) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let unit = 0;
    let v = value;
    while (v >= 1024 && unit < units.length - 1) {
      v /= 1024;
      unit++;
    }
    return (unit === 0 ? String(Math.round(v)) : v.toFixed(1)) + ' ' + units[unit];
  }

  function duration(millis) {
    let seconds = Math.floor(millis / 1000);
    const days = Math.floor(seconds / 86400);
    seconds -= days * 86400;
    const hours = Math.floor(seconds / 3600);
    seconds -= hours * 3600;
    const minutes = Math.floor(seconds / 60);
    seconds -= minutes * 60;
    return (days > 0 ? days + 'd ' : '') + (days > 0 || hours > 0 ? hours + 'h ' : '') + minutes + 'm ' + seconds + 's';
  }

  function chart(id, label, lines, format) {
    const element = $(id);
    const options = {
      width: Math.max(200, element.clientWidth),
      height: 110,
      legend: { show: false },
      cursor: { show: false },
      scales: {
        // The last minute, newest on the right, whatever the number of samples so far.
        x: { time: false, range: (u, min, max) => [max - CHART_SECONDS, max] },
        y: { range: (u, min, max) => [0, Math.max(max * 1.2, format.floor)] },
      },
      axes: [
        { stroke: '#8b93a7', grid: { stroke: '#2a3040' }, ticks: { stroke: '#2a3040' }, size: 28,
          splits: (u) => [60, 45, 30, 15, 0].map((ago) => u.scales.x.max - ago),
          values: (u, ticks) => ticks.map((t) => {
            const ago = Math.round(u.scales.x.max - t);
            return ago === 0 ? 'now' : '-' + ago + 's';
          }) },
        { stroke: '#8b93a7', grid: { stroke: '#2a3040' }, ticks: { stroke: '#2a3040' }, size: 76, space: 24,
          values: (u, values) => values.map(format.axis) },
      ],
      series: [{}].concat(lines.map((line) => ({ label: line.label, stroke: line.colour, fill: line.fill, width: 2, points: { show: false } }))),
    };
    const data = [series.time].concat(lines.map((line) => series[line.key]));
    charts[id] = { plot: new window.uPlot(options, data, element), element: element, lines: lines, label: label };
  }

  function createCharts() {
    chart('cpu-chart', 'CPU', [{ key: 'cpu', label: 'CPU %', colour: '#4fb3ff', fill: 'rgba(79,179,255,0.15)' }],
      { floor: 10, axis: (v) => v.toFixed(0) + ' %' });
    chart('memory-chart', 'Memory', [{ key: 'memory', label: 'Memory', colour: '#b48cff', fill: 'rgba(180,140,255,0.15)' }],
      { floor: 16, axis: (v) => (v >= 1024 ? (v / 1024).toFixed(1) + ' GiB' : v.toFixed(0) + ' MiB') });
    chart('network-chart', 'Network', [
      { key: 'rx', label: 'received/s', colour: '#5fd38d', fill: 'rgba(95,211,141,0.12)' },
      { key: 'tx', label: 'sent/s', colour: '#ffb454', fill: null },
    ], { floor: 1, axis: (v) => (v >= 1024 ? (v / 1024).toFixed(1) + ' MiB/s' : v.toFixed(v < 10 ? 1 : 0) + ' KiB/s') });
  }

  function push(key, value) {
    series[key].push(value);
    if (series[key].length > CHART_POINTS) {
      series[key].shift();
    }
  }

  function onStats(json) {
    let stats;
    try {
      stats = JSON.parse(json);
    } catch (error) {
      return;
    }
    const now = Date.now() / 1000;
    const network = stats.network || { rx_bytes: 0, tx_bytes: 0 };
    let rx = 0;
    let tx = 0;
    if (previousNetwork !== null && now > previousNetwork.time) {
      const seconds = now - previousNetwork.time;
      rx = Math.max(0, (network.rx_bytes - previousNetwork.rx) / seconds);
      tx = Math.max(0, (network.tx_bytes - previousNetwork.tx) / seconds);
    }
    previousNetwork = { time: now, rx: network.rx_bytes, tx: network.tx_bytes };
    push('time', now);
    push('cpu', stats.cpu_absolute);
    push('memory', stats.memory_bytes / 1048576);
    push('rx', rx / 1024);
    push('tx', tx / 1024);
    for (const id of Object.keys(charts)) {
      const entry = charts[id];
      entry.plot.setData([series.time].concat(entry.lines.map((line) => series[line.key])));
      entry.element.dataset.points = String(series.time.length);
      entry.element.dataset.span = String(Math.round(series.time[series.time.length - 1] - series.time[0]));
    }
    $('cpu-value').textContent = stats.cpu_absolute.toFixed(1) + ' %';
    $('memory-value').textContent = bytes(stats.memory_bytes)
      + (stats.memory_limit_bytes > 0 ? ' / ' + bytes(stats.memory_limit_bytes) : '');
    $('network-value').textContent = '↓ ' + bytes(rx) + '/s  ↑ ' + bytes(tx) + '/s';
    $('uptime-value').textContent = stats.uptime > 0 ? duration(stats.uptime) : 'offline';
    $('disk-value').textContent = bytes(stats.disk_bytes || 0);
  }

  window.addEventListener('resize', () => {
    for (const id of Object.keys(charts)) {
      const entry = charts[id];
      entry.plot.setSize({ width: Math.max(200, entry.element.clientWidth), height: 110 });
    }
  });

  // ---- the socket ----------------------------------------------------------------------------

  async function fetchToken() {
    try {
      const body = await window.TernAuth.api('/api/servers/' + encodeURIComponent(uuid) + '/ws/token', { method: 'POST' });
      return body.token;
    } catch (error) {
      if (error instanceof window.TernAuth.SignInError) {
        error.fatal = true;
        error.signIn = true;
      } else if (error.status === 404) {
        error.fatal = true;
        error.message = 'This node has no server ' + uuid + '.';
      }
      throw error;
    }
  }

  function websocketUrl() {
    const scheme = window.location.protocol === 'https:' ? 'wss://' : 'ws://';
    return scheme + window.location.host + '/api/servers/' + encodeURIComponent(uuid) + '/ws';
  }

  function closeText(close) {
    if (close.code === 4409) {
      return 'This server is suspended (close 4409 "server is suspended"): its console is unavailable until the'
        + ' server is unsuspended. Retrying…';
    }
    if (!close.opened) {
      return 'Could not open the websocket ' + websocketUrl() + '. The daemon may be down, or it refuses this page\'s'
        + ' origin ' + window.location.origin + ': add it to allowed_origins in the daemon\'s config.';
    }
    return 'The websocket closed (' + close.code + (close.reason ? ' ' + close.reason : '') + ').';
  }

  function connect() {
    $('signin-slot').replaceChildren();
    $('workspace').hidden = false;
    $('sign-out').hidden = false;
    if (Object.keys(charts).length === 0) {
      createCharts();
    }
    socket = new window.TernSocket(websocketUrl(), fetchToken);
    socket
      .on('connecting', (attempt) => setConnection('connecting', attempt === 0 ? 'connecting…' : 'reconnecting…'))
      .on('token', updateControls)
      .on('connected', () => {
        setConnection('connected', 'connected');
        clearNotice('connection');
        clearNotice('credentials');
        clearOutput();
        updateControls();
      })
      .on('disconnected', (close) => {
        setConnection('disconnected', 'disconnected');
        updateControls();
        const final = [1000, 1001, 1005].includes(close.code);
        notice('connection', close.code === 4409 || !close.opened ? 'error' : final ? 'info' : 'warning', closeText(close));
      })
      .on('reconnecting', (retry) => setConnection('waiting',
        'retrying in ' + Math.round(retry.delay / 1000) + ' s'))
      .on('credentials', (text) => {
        setConnection('disconnected', 'not authorized');
        updateControls();
        notice('credentials', 'error', 'There was an error validating the credentials provided for the websocket ('
          + text + '). Please refresh the page.');
      })
      .on('fatal', (error) => {
        setConnection('disconnected', 'stopped');
        if (error.signIn) {
          signIn(error.message);
        } else {
          notice('connection', 'error', error.message);
        }
      })
      .on('status', (state) => {
        setState(state);
        writeLine(DAEMON_PREFIX + 'Server marked as ' + state + '...', 'daemon');
      })
      .on('stats', onStats)
      .on('console output', (line) => writeLine(line))
      .on('install output', (line) => writeLine(line, 'install'))
      .on('transfer logs', (line) => writeLine(line, 'transfer'))
      .on('install started', () => notice('install', 'info', 'Installing…'))
      .on('install completed', () => clearNotice('install'))
      .on('daemon message', (text) => {
        writeLine(DAEMON_PREFIX + text, 'daemon');
        if (/console lines were not delivered/.test(text)) {
          notice('dropped', 'warning', text);
        }
      })
      .on('daemon error', (text) => {
        console.warn('tern: daemon error', text);
        writeLine(DAEMON_PREFIX + '\x1b[1m\x1b[41m' + text + '\x1b[0m', 'daemon-error');
      })
      .on('throttled', (limiter) => {
        const what = limiter === 'global' ? 'all messages' : '"' + limiter + '"';
        notice('throttled', 'warning', 'Rate limited: the daemon dropped ' + what
          + ' from this console for sending too fast. Wait a moment and try again.');
        writeLine(DAEMON_PREFIX + 'Rate limited (' + limiter + '): a message from this console was dropped.', 'daemon');
      })
      .on('deleted', () => notice('deleted', 'error', 'This server was deleted from the node.'));
    socket.start();
  }

  function signIn(message) {
    if (socket !== null) {
      socket.stop();
      socket = null;
    }
    $('workspace').hidden = true;
    $('sign-out').hidden = true;
    setConnection('disconnected', 'signed out');
    window.TernAuth.showForm($('signin-slot'), message, connect);
  }

  $('sign-out').addEventListener('click', () => {
    window.TernAuth.signOut();
    signIn();
  });

  window.addEventListener('pagehide', () => {
    if (socket !== null) {
      socket.stop();
    }
  });

  window.TernAuth.takeFragment();
  if (window.TernAuth.nodeToken() === null) {
    signIn();
  } else {
    connect();
  }
})();
