package io.tern.daemon.log;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * Formats a log record as one line: {@code 2026-11-29T15:04:05.123Z INFO  [component] message}.
 * The component is the logger name without the {@code io.tern.daemon.} or {@code io.tern.} prefix
 * ({@code io.tern.daemon.config} logs as {@code [config]}). Line breaks inside the message are
 * escaped so one event is one line. A thrown exception is appended as {@code : <exception>} on
 * the same line; its stack trace follows on further lines only when stack traces are enabled
 * (debug level). Everything passes through a {@link Redactor}. Thread-safe.
 */
public final class LineFormatter extends Formatter
{
    private static final DateTimeFormatter TIMESTAMP =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final String DAEMON_PREFIX = "io.tern.daemon.";
    private static final String TERN_PREFIX = "io.tern.";

    private final Redactor redactor;
    private final boolean stackTraces;

    /**
     * @param redactor    masks credentials in every line.
     * @param stackTraces whether an exception's stack trace follows its line.
     */
    public LineFormatter(final Redactor redactor, final boolean stackTraces)
    {
        this.redactor = redactor;
        this.stackTraces = stackTraces;
    }

    /**
     * @param record the event.
     * @return the line, ending in a line separator.
     */
    @Override
    public String format(final LogRecord record)
    {
        final StringBuilder line = new StringBuilder(128);
        TIMESTAMP.formatTo(record.getInstant(), line);
        line.append(' ').append(levelName(record.getLevel()));
        line.append(" [").append(component(record.getLoggerName())).append("] ");
        line.append(oneLine(redactor.redact(formatMessage(record))));
        final Throwable thrown = record.getThrown();
        if (thrown != null)
        {
            line.append(": ").append(oneLine(redactor.redact(String.valueOf(thrown))));
        }
        line.append(System.lineSeparator());
        if (thrown != null && stackTraces)
        {
            final StringWriter trace = new StringWriter();
            thrown.printStackTrace(new PrintWriter(trace));
            line.append(redactor.redact(trace.toString()));
        }
        return line.toString();
    }

    /**
     * @param level a {@code java.util.logging} level.
     * @return its name in log lines, padded to five characters: {@code ERROR}, {@code WARN },
     *         {@code INFO }, {@code DEBUG}.
     */
    static String levelName(final Level level)
    {
        final int value = level.intValue();
        if (value >= Level.SEVERE.intValue())
        {
            return "ERROR";
        }
        if (value >= Level.WARNING.intValue())
        {
            return "WARN ";
        }
        if (value >= Level.CONFIG.intValue())
        {
            return "INFO ";
        }
        return "DEBUG";
    }

    /**
     * @param loggerName a logger name, possibly null or empty (the root logger).
     * @return the component shown in brackets.
     */
    static String component(final String loggerName)
    {
        if (loggerName == null || loggerName.isEmpty())
        {
            return "tern";
        }
        if (loggerName.startsWith(DAEMON_PREFIX) && loggerName.length() > DAEMON_PREFIX.length())
        {
            return loggerName.substring(DAEMON_PREFIX.length());
        }
        if (loggerName.startsWith(TERN_PREFIX) && loggerName.length() > TERN_PREFIX.length())
        {
            return loggerName.substring(TERN_PREFIX.length());
        }
        return loggerName;
    }

    private static String oneLine(final String text)
    {
        if (text == null)
        {
            return "null";
        }
        if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0)
        {
            return text;
        }
        return text.replace("\r", "\\r").replace("\n", "\\n");
    }
}
