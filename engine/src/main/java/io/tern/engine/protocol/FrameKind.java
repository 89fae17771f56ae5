package io.tern.engine.protocol;

/**
 * How a session's outbound queue treats a frame when the client is slow (Part I.3 item 5).
 */
public final class FrameKind
{
    /** Not yet set. */
    public static final int ANY = 0;
    /** Never dropped: {@code status}, {@code auth success}, errors, token events, {@code deleted}. */
    public static final int ESSENTIAL = 1;
    /** Dropped past the budget and counted: {@code console output}, {@code install output}, {@code transfer logs}. */
    public static final int LINE = 2;
    /** Past the budget only the newest is kept: {@code stats}. */
    public static final int STATS = 3;

    private FrameKind()
    {
    }
}
