package io.tern.daemon.log;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.ErrorManager;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Sets up the daemon's logging: {@code java.util.logging} (which Undertow and XNIO also log
 * through) writes one {@link LineFormatter} line per event to stderr, at the level given by
 * {@code --log-level}. Call {@link #install(LogLevel)} first thing in {@code main}, before any
 * class touches a logger, so that {@link DaemonLogManager} becomes the JVM's log manager and lines
 * logged during shutdown are kept. Components log with
 * {@code Logger.getLogger("io.tern.daemon.<component>")} or their class name.
 */
public final class DaemonLog
{
    private static final String MANAGER_PROPERTY = "java.util.logging.manager";
    private static final Redactor REDACTOR = new Redactor();

    private DaemonLog()
    {
    }

    /**
     * Sends every log event at {@code level} or above to stderr, one line each.
     *
     * @param level the threshold; {@link LogLevel#DEBUG} also prints stack traces.
     */
    public static void install(final LogLevel level)
    {
        install(level, System.err);
    }

    /**
     * Sends every log event at {@code level} or above to {@code out}, one line each, replacing the
     * handlers of the root logger.
     *
     * @param level the threshold; {@link LogLevel#DEBUG} also prints stack traces.
     * @param out   where lines go, UTF-8; flushed after each line.
     */
    public static void install(final LogLevel level, final OutputStream out)
    {
        if (System.getProperty(MANAGER_PROPERTY) == null)
        {
            System.setProperty(MANAGER_PROPERTY, DaemonLogManager.class.getName());
        }
        final LogManager manager = LogManager.getLogManager();
        final Logger root = Logger.getLogger("");
        for (final Handler handler : root.getHandlers())
        {
            root.removeHandler(handler);
        }
        root.addHandler(new LineHandler(out, new LineFormatter(REDACTOR, level == LogLevel.DEBUG)));
        root.setLevel(level.julLevel());
        if (manager instanceof DaemonLogManager)
        {
            ((DaemonLogManager)manager).keepHandlers();
        }
    }

    /**
     * Registers a secret, such as the config token, that is masked wherever it would appear in a
     * log line.
     *
     * @param secret the literal text; blank values are ignored.
     */
    public static void hideSecret(final String secret)
    {
        REDACTOR.addSecret(secret);
    }

    /**
     * @param text any text.
     * @return the text as it would appear in a log line: tokens and registered secrets masked.
     */
    public static String redact(final String text)
    {
        return REDACTOR.redact(text);
    }

    /**
     * Writes formatted lines to a stream and flushes each, so a line is complete on stderr before
     * the next event; {@link #close()} leaves the stream open because it is usually stderr.
     */
    static final class LineHandler extends Handler
    {
        private final PrintStream out;

        LineHandler(final OutputStream out, final LineFormatter formatter)
        {
            this.out = out instanceof PrintStream ? (PrintStream)out : new PrintStream(out, false, StandardCharsets.UTF_8);
            setFormatter(formatter);
        }

        @Override
        public void publish(final LogRecord record)
        {
            if (!isLoggable(record))
            {
                return;
            }
            final String line;
            try
            {
                line = getFormatter().format(record);
            }
            catch (final RuntimeException ex)
            {
                reportError("cannot format a log record", ex, ErrorManager.FORMAT_FAILURE);
                return;
            }
            synchronized (this)
            {
                out.print(line);
                out.flush();
            }
        }

        @Override
        public void flush()
        {
            out.flush();
        }

        @Override
        public void close()
        {
            out.flush();
        }
    }
}
