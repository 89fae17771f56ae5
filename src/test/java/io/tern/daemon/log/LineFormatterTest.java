package io.tern.daemon.log;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LineFormatterTest
{
    private static final String NL = System.lineSeparator();
    private static final Instant WHEN = Instant.parse("2026-11-29T15:04:05.123Z");

    private final LineFormatter formatter = new LineFormatter(new Redactor(), false);

    @Test
    void formatsOneLinePerEvent()
    {
        assertEquals("2026-11-29T15:04:05.123Z INFO  [config] loaded 3 servers" + NL,
            formatter.format(record(Level.INFO, "io.tern.daemon.config", "loaded {0} servers", 3)));
    }

    @Test
    void padsLevelNames()
    {
        assertEquals("ERROR", LineFormatter.levelName(Level.SEVERE));
        assertEquals("WARN ", LineFormatter.levelName(Level.WARNING));
        assertEquals("INFO ", LineFormatter.levelName(Level.INFO));
        assertEquals("INFO ", LineFormatter.levelName(Level.CONFIG));
        assertEquals("DEBUG", LineFormatter.levelName(Level.FINE));
        assertEquals("DEBUG", LineFormatter.levelName(Level.FINEST));
    }

    @Test
    void namesComponentsShortly()
    {
        assertEquals("process", LineFormatter.component("io.tern.daemon.process"));
        assertEquals("server.ServerRegistry", LineFormatter.component("io.tern.daemon.server.ServerRegistry"));
        assertEquals("engine.fanout", LineFormatter.component("io.tern.engine.fanout"));
        assertEquals("io.undertow.websockets", LineFormatter.component("io.undertow.websockets"));
        assertEquals("tern", LineFormatter.component(""));
        assertEquals("tern", LineFormatter.component(null));
    }

    @Test
    void escapesLineBreaksInMessages()
    {
        final String line = formatter.format(record(Level.WARNING, "io.tern.daemon.process", "first\nsecond\r\nthird"));
        assertEquals("2026-11-29T15:04:05.123Z WARN  [process] first\\nsecond\\r\\nthird" + NL, line);
    }

    @Test
    void putsAnExceptionOnTheSameLineWithoutItsStackTrace()
    {
        final LogRecord record = record(Level.SEVERE, "io.tern.daemon.server", "cannot start server");
        record.setThrown(new IOException("broken pipe\nsecond line"));
        assertEquals("2026-11-29T15:04:05.123Z ERROR [server] cannot start server: java.io.IOException: broken pipe\\nsecond line" + NL,
            formatter.format(record));
    }

    @Test
    void addsTheStackTraceAtDebug()
    {
        final LogRecord record = record(Level.FINE, "io.tern.daemon.server", "detail");
        record.setThrown(new IllegalStateException("bad"));
        final String text = new LineFormatter(new Redactor(), true).format(record);
        assertTrue(text.startsWith("2026-11-29T15:04:05.123Z DEBUG [server] detail: java.lang.IllegalStateException: bad" + NL), text);
        assertTrue(text.contains("\tat io.tern.daemon.log.LineFormatterTest"), text);
    }

    @Test
    void redactsMessagesAndExceptions()
    {
        final LogRecord record = record(Level.INFO, "io.tern.transport", "upgrade /ws?token={0}", "secret-jwt");
        record.setThrown(new IllegalArgumentException("Authorization: Bearer abcdef"));
        final String line = formatter.format(record);
        assertEquals("2026-11-29T15:04:05.123Z INFO  [transport] upgrade /ws?token=[redacted]: " +
            "java.lang.IllegalArgumentException: Authorization: Bearer [redacted]" + NL, line);
    }

    @Test
    void parsesLogLevels()
    {
        assertEquals(LogLevel.ERROR, LogLevel.parse("error"));
        assertEquals(LogLevel.WARN, LogLevel.parse("Warn"));
        assertEquals(LogLevel.INFO, LogLevel.parse("INFO"));
        assertEquals(LogLevel.DEBUG, LogLevel.parse("debug"));
        assertThrows(IllegalArgumentException.class, () -> LogLevel.parse("warning"));
        assertEquals("warn", LogLevel.WARN.toString());
        assertEquals(Level.FINE, LogLevel.DEBUG.julLevel());
    }

    private static LogRecord record(final Level level, final String logger, final String message, final Object... parameters)
    {
        final LogRecord record = new LogRecord(level, message);
        record.setLoggerName(logger);
        record.setInstant(WHEN);
        if (parameters.length > 0)
        {
            record.setParameters(parameters);
        }
        return record;
    }
}
