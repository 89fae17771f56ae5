package io.tern.daemon.process;

import java.util.Locale;

/**
 * The POSIX signals Tern sends to a process tree, named as {@code kill -s} takes them.
 */
public enum Signal
{
    HUP,
    INT,
    QUIT,
    ABRT,
    KILL,
    USR1,
    USR2,
    TERM;

    private static final Signal[] VALUES = values();

    /**
     * Maps an egg's {@code stop.value} for {@code stop.type: signal} like Pelican Wings does:
     * {@code SIGABRT}, {@code SIGINT} (also {@code C}, the Ctrl-C convention) and {@code SIGTERM}
     * map to their signal; anything unknown becomes {@code SIGKILL}. Tern also accepts the other
     * names of this enum, with or without the {@code SIG} prefix, in any case.
     *
     * @param stopValue the configured value.
     * @return the signal to send.
     */
    public static Signal forStopValue(final String stopValue)
    {
        if (stopValue == null)
        {
            return KILL;
        }
        String name = stopValue.trim().toUpperCase(Locale.ROOT);
        if ("C".equals(name))
        {
            return INT;
        }
        if (name.startsWith("SIG"))
        {
            name = name.substring(3);
        }
        for (final Signal signal : VALUES)
        {
            if (signal.name().equals(name))
            {
                return signal;
            }
        }
        return KILL;
    }
}
