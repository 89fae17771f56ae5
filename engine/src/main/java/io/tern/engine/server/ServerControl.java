package io.tern.engine.server;

/**
 * What the websocket engine asks of one game server. Implemented by the daemon's server
 * runtime; called by the engine's inbound handler thread, so every method must return
 * quickly: anything slow (stdin writes, power actions) is handed to a control worker.
 */
public interface ServerControl
{
    /**
     * @return the server's uuid, as used in {@code /api/servers/{uuid}/ws}.
     */
    String uuid();

    /**
     * @return the current power state.
     */
    ServerState state();

    /**
     * @return true while the server is suspended (new connections and any inbound message get Close 4409).
     */
    boolean isSuspended();

    /**
     * Copies the latest resource usage (with the current state) into {@code into}, without allocating.
     *
     * @param into the snapshot to fill.
     */
    void readUsage(ResourceUsage into);

    /**
     * Hands one console command to the process (PROTOCOL.md §6.5) without allocating: the bytes
     * are copied before the call returns. The write itself happens off the calling thread, in
     * submission order.
     *
     * @param utf8   the command without its trailing newline, UTF-8.
     * @param offset start of the command.
     * @param length its length.
     * @return what happened to it.
     */
    CommandResult sendCommand(byte[] utf8, int offset, int length);

    /**
     * {@link #sendCommand(byte[], int, int)} for callers holding a {@code String} (admin API, tests).
     *
     * @param command the command without its trailing newline.
     * @return what happened to it.
     */
    default CommandResult sendCommand(final String command)
    {
        final byte[] utf8 = command.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return sendCommand(utf8, 0, utf8.length);
    }

    /**
     * Starts a power action in the background (PROTOCOL.md §6.3). The power lock is tried
     * without waiting; {@link PowerAction#KILL} proceeds even when the lock is held.
     *
     * @param action   the action.
     * @param listener told on any thread if the action fails after it was accepted; may be {@code null}.
     * @return {@link PowerResult#ACCEPTED}, or why the action was refused before it began.
     */
    PowerResult power(PowerAction action, PowerListener listener);

    /**
     * Replays the console history (the last {@code system.websocket_log_count} process lines,
     * oldest first) into {@code consumer}, on the calling thread. Replays nothing when the
     * process is not running (PROTOCOL.md §5: {@code offline} gets no reply).
     *
     * @param consumer receives each line as UTF-8 bytes; the array must not be modified.
     */
    void replayHistory(HistoryConsumer consumer);

    /** The outcome of {@link #sendCommand(byte[], int, int)}. */
    enum CommandResult
    {
        /** Queued for the process's stdin. */
        ACCEPTED,
        /** Silently ignored: the server is offline, or starting and not attached yet. */
        IGNORED,
        /** The process is not attached (e.g. stopping): reported as an error reply. */
        NOT_ATTACHED
    }

    /** The immediate outcome of {@link #power(PowerAction, PowerListener)}. */
    enum PowerResult
    {
        /** The action runs in the background and holds the power lock until it ends. */
        ACCEPTED,
        /** Another power action holds the lock. */
        LOCKED,
        /** The server is installing. */
        INSTALLING,
        /** {@code start} while not offline. */
        ALREADY_RUNNING,
        /** {@code start}/{@code restart} while suspended. */
        SUSPENDED
    }

    /** Receives the failure of an accepted power action. */
    @FunctionalInterface
    interface PowerListener
    {
        /**
         * @param detail the error text, shown in full only to sessions with {@code admin.websocket.errors}.
         */
        void onPowerError(String detail);
    }

    /** Receives console history lines. */
    @FunctionalInterface
    interface HistoryConsumer
    {
        /**
         * @param utf8   the line's bytes.
         * @param offset start of the line in {@code utf8}.
         * @param length length of the line.
         */
        void onLine(byte[] utf8, int offset, int length);
    }
}
