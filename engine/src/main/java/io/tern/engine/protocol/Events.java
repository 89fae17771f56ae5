package io.tern.engine.protocol;

import java.nio.charset.StandardCharsets;

/**
 * Event names of the wire protocol (PROTOCOL.md §2.3, §2.4) and the ids the inbound decoder
 * maps client events to, so dispatch is a switch on an int.
 */
public final class Events
{
    /** No event decoded. */
    public static final int IN_NONE = 0;
    /** {@code auth}. */
    public static final int IN_AUTH = 1;
    /** {@code send logs}. */
    public static final int IN_SEND_LOGS = 2;
    /** {@code send stats}. */
    public static final int IN_SEND_STATS = 3;
    /** {@code send command}. */
    public static final int IN_SEND_COMMAND = 4;
    /** {@code set state}. */
    public static final int IN_SET_STATE = 5;
    /** Any other name: rate limited and token checked, then a no-op. */
    public static final int IN_OTHER = 6;

    /** Longest inbound event name kept for {@code throttled} notices; longer names are cut. */
    public static final int MAX_INBOUND_NAME = 64;

    public static final String AUTH_SUCCESS = "auth success";
    public static final String STATUS = "status";
    public static final String STATS = "stats";
    public static final String CONSOLE_OUTPUT = "console output";
    public static final String INSTALL_OUTPUT = "install output";
    public static final String DAEMON_MESSAGE = "daemon message";
    public static final String DAEMON_ERROR = "daemon error";
    public static final String JWT_ERROR = "jwt error";
    public static final String TOKEN_EXPIRING = "token expiring";
    public static final String TOKEN_EXPIRED = "token expired";
    public static final String THROTTLED = "throttled";
    public static final String DELETED = "deleted";

    private static final byte[][] INBOUND = {
        null,
        "auth".getBytes(StandardCharsets.US_ASCII),
        "send logs".getBytes(StandardCharsets.US_ASCII),
        "send stats".getBytes(StandardCharsets.US_ASCII),
        "send command".getBytes(StandardCharsets.US_ASCII),
        "set state".getBytes(StandardCharsets.US_ASCII),
    };

    private Events()
    {
    }

    /**
     * @param name   event name bytes as received.
     * @param length name length.
     * @return the inbound id; {@link #IN_OTHER} for unknown names.
     */
    public static int inboundId(final byte[] name, final int length)
    {
        for (int id = IN_AUTH; id < INBOUND.length; id++)
        {
            final byte[] candidate = INBOUND[id];
            if (candidate.length == length && java.util.Arrays.equals(candidate, 0, length, name, 0, length))
            {
                return id;
            }
        }
        return IN_OTHER;
    }
}
