package io.tern.daemon.log;

import java.util.logging.LogManager;

/**
 * The JVM's {@link LogManager} once {@link DaemonLog#install(LogLevel)} has chosen it. The stock
 * manager's shutdown hook resets logging, removing the daemon's handler while other shutdown hooks
 * (stopping servers, closing sockets) still log; this one ignores resets after the daemon's
 * handler is installed, so those lines reach stderr. Loaded by name through the
 * {@code java.util.logging.manager} system property.
 */
public final class DaemonLogManager extends LogManager
{
    private volatile boolean keepHandlers;

    /**
     * Called by {@link LogManager} when it loads the class named by {@code java.util.logging.manager}.
     */
    public DaemonLogManager()
    {
    }

    /**
     * Resets logging, unless the daemon's handler is installed.
     */
    @Override
    public void reset()
    {
        if (!keepHandlers)
        {
            super.reset();
        }
    }

    void keepHandlers()
    {
        keepHandlers = true;
    }
}
