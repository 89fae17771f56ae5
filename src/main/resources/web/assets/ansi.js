'use strict';
/*
 * ANSI SGR rendering for one console line: the 16 colours (as CSS classes, so the palette lives in
 * tern.css), 256-colour and 24-bit colours, bold, dim, italic, underline and inverse. Every other
 * escape sequence (cursor movement, OSC window titles, ...) is removed. Text is only ever set with
 * textContent, so a console line can never inject markup.
 */
(function (global) {
  // CSI ... final byte | OSC ... BEL or ST | any other two-byte escape.
  const ESCAPE = /\x1b(?:\[([0-9;:?<=>]*)[ -/]*([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])/g;

  function plainStyle() {
    return { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false };
  }

  /** The CSS colour of xterm 256-colour index n (16 and above; 0-15 use the palette classes). */
  function xterm256(n) {
    if (n >= 232) {
      const grey = 8 + (n - 232) * 10;
      return 'rgb(' + grey + ',' + grey + ',' + grey + ')';
    }
    const cube = n - 16;
    const level = (v) => (v === 0 ? 0 : 55 + v * 40);
    return 'rgb(' + level(Math.floor(cube / 36)) + ',' + level(Math.floor(cube / 6) % 6) + ',' + level(cube % 6) + ')';
  }

  /** Reads an extended colour (38/48 ;5;n or ;2;r;g;b) starting at codes[i]; returns [colour, codes used]. */
  function extendedColour(codes, i) {
    if (codes[i + 1] === 5 && i + 2 < codes.length) {
      const n = codes[i + 2];
      return [n < 16 ? n : xterm256(Math.min(255, n)), 3];
    }
    if (codes[i + 1] === 2 && i + 4 < codes.length) {
      const c = (v) => Math.max(0, Math.min(255, v));
      return ['rgb(' + c(codes[i + 2]) + ',' + c(codes[i + 3]) + ',' + c(codes[i + 4]) + ')', 5];
    }
    return [null, codes.length - i];
  }

  function applySgr(style, parameters) {
    const codes = parameters === '' ? [0] : parameters.split(/[;:]/).map((p) => (p === '' ? 0 : parseInt(p, 10)));
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i];
      if (code === 0) {
        Object.assign(style, plainStyle());
      } else if (code === 1) {
        style.bold = true;
      } else if (code === 2) {
        style.dim = true;
      } else if (code === 3) {
        style.italic = true;
      } else if (code === 4) {
        style.underline = true;
      } else if (code === 7) {
        style.inverse = true;
      } else if (code === 22) {
        style.bold = false;
        style.dim = false;
      } else if (code === 23) {
        style.italic = false;
      } else if (code === 24) {
        style.underline = false;
      } else if (code === 27) {
        style.inverse = false;
      } else if (code >= 30 && code <= 37) {
        style.fg = code - 30;
      } else if (code === 39) {
        style.fg = null;
      } else if (code >= 40 && code <= 47) {
        style.bg = code - 40;
      } else if (code === 49) {
        style.bg = null;
      } else if (code >= 90 && code <= 97) {
        style.fg = code - 90 + 8;
      } else if (code >= 100 && code <= 107) {
        style.bg = code - 100 + 8;
      } else if (code === 38 || code === 48) {
        const [colour, used] = extendedColour(codes, i);
        if (code === 38) {
          style.fg = colour;
        } else {
          style.bg = colour;
        }
        i += used - 1;
      }
    }
  }

  function colour(span, value, kind) {
    if (value === null) {
      return;
    }
    if (typeof value === 'number') {
      span.classList.add('ansi-' + kind + '-' + value);
    } else if (kind === 'fg') {
      span.style.color = value;
    } else {
      span.style.backgroundColor = value;
    }
  }

  function styledSpan(text, style) {
    const span = document.createElement('span');
    span.textContent = text;
    const fg = style.inverse ? style.bg : style.fg;
    const bg = style.inverse ? style.fg : style.bg;
    colour(span, fg, 'fg');
    colour(span, bg, 'bg');
    if (style.inverse && fg === null) {
      span.classList.add('ansi-inverse-fg');
    }
    if (style.inverse && bg === null) {
      span.classList.add('ansi-inverse-bg');
    }
    if (style.bold) {
      span.classList.add('ansi-bold');
    }
    if (style.dim) {
      span.classList.add('ansi-dim');
    }
    if (style.italic) {
      span.classList.add('ansi-italic');
    }
    if (style.underline) {
      span.classList.add('ansi-underline');
    }
    return span;
  }

  /**
   * Appends the line to parent as styled spans. Each line starts unstyled (panels end every line
   * with a reset, PROTOCOL.md §9.1).
   */
  function renderLine(line, parent) {
    const style = plainStyle();
    let last = 0;
    ESCAPE.lastIndex = 0;
    let match;
    while ((match = ESCAPE.exec(line)) !== null) {
      if (match.index > last) {
        parent.appendChild(styledSpan(line.slice(last, match.index), style));
      }
      if (match[2] === 'm') {
        applySgr(style, match[1]);
      }
      last = ESCAPE.lastIndex;
    }
    if (last < line.length) {
      parent.appendChild(styledSpan(line.slice(last), style));
    }
  }

  global.TernAnsi = { renderLine: renderLine };
})(window);
