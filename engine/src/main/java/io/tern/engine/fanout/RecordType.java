package io.tern.engine.fanout;

/**
 * Type ids of the records carried by a server's broadcast buffer. Each maps to one outbound
 * event; the payload layout is given per constant.
 */
public final class RecordType
{
    /** {@code console output}; payload: the line as UTF-8 bytes. Droppable for slow clients. */
    public static final int CONSOLE_OUTPUT = 1;
    /** {@code status}; payload: one byte, the {@link io.tern.engine.server.ServerState} ordinal. */
    public static final int STATUS = 2;
    /** {@code stats}; payload: the stats JSON (ASCII). Only the newest is kept for slow clients. */
    public static final int STATS = 3;
    /** {@code daemon message}; payload: UTF-8 text. */
    public static final int DAEMON_MESSAGE = 4;
    /** {@code install output}; payload: UTF-8 line. Needs {@code admin.websocket.install}; droppable. */
    public static final int INSTALL_OUTPUT = 5;
    /**
     * Any other event with one string arg; payload: one byte name length, the ASCII event name,
     * then the UTF-8 arg. Used for {@code install started}, {@code install completed}, {@code deleted}…
     */
    public static final int EVENT = 6;

    private RecordType()
    {
    }
}
