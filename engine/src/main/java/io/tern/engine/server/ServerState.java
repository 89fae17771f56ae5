package io.tern.engine.server;

/**
 * The four power states of a game server, exactly as they appear on the wire in
 * {@code status} frames and in the {@code state} field of {@code stats}.
 */
public enum ServerState
{
    OFFLINE("offline"),
    STARTING("starting"),
    RUNNING("running"),
    STOPPING("stopping");

    private final String wireName;

    ServerState(final String wireName)
    {
        this.wireName = wireName;
    }

    /**
     * @return the lower-case name used in {@code status} and {@code stats} frames.
     */
    public String wireName()
    {
        return wireName;
    }
}
