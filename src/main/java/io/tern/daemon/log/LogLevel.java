package io.tern.daemon.log;

import java.util.Locale;
import java.util.logging.Level;

/**
 * The levels {@code --log-level} accepts, and the {@code java.util.logging} level each one enables.
 */
public enum LogLevel
{
    /** Failures only. */
    ERROR(Level.SEVERE),
    /** Failures and things an operator should look at. */
    WARN(Level.WARNING),
    /** Also lifecycle events: start, stop, connections. The default. */
    INFO(Level.INFO),
    /** Also detail for diagnosis, with stack traces. */
    DEBUG(Level.FINE);

    private final Level julLevel;

    LogLevel(final Level julLevel)
    {
        this.julLevel = julLevel;
    }

    /**
     * @return the {@code java.util.logging} threshold for this level.
     */
    public Level julLevel()
    {
        return julLevel;
    }

    /**
     * @param text {@code error}, {@code warn}, {@code info} or {@code debug}, any case.
     * @return the level.
     * @throws IllegalArgumentException for any other text.
     */
    public static LogLevel parse(final String text)
    {
        switch (text.toLowerCase(Locale.ROOT))
        {
            case "error":
                return ERROR;
            case "warn":
                return WARN;
            case "info":
                return INFO;
            case "debug":
                return DEBUG;
            default:
                throw new IllegalArgumentException("must be error, warn, info or debug, not \"" + text + "\"");
        }
    }

    /**
     * @return the name as written on the command line and in log lines, e.g. {@code warn}.
     */
    @Override
    public String toString()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
