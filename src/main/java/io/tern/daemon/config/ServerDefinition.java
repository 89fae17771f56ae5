package io.tern.daemon.config;

import java.util.List;
import java.util.Map;

/**
 * One game server as configured: an entry of the config's {@code servers:} list (and, later, the
 * body of the admin API's create/sync routes). Immutable and validated by the config loader.
 *
 * @param uuid           the server's uuid; its websocket route is {@code /api/servers/{uuid}/ws}.
 * @param invocation     the startup command line, run with {@code /bin/sh -c} in the server directory.
 * @param environment    variables added to the daemon's own environment for the process.
 * @param stopType       how {@code stop} is done.
 * @param stopValue      the stop command (without newline) or the signal name ({@code SIGTERM}, {@code SIGINT}, {@code C}, …).
 * @param done           console strings that move {@code starting} to {@code running}; a {@code regex:} prefix makes one a regex.
 * @param memoryLimitMib {@code limits.memory}, reported as {@code memory_limit_bytes}; 0 = unlimited.
 * @param suspended      whether the server is suspended.
 */
public record ServerDefinition(
    String uuid,
    String invocation,
    Map<String, String> environment,
    StopType stopType,
    String stopValue,
    List<String> done,
    long memoryLimitMib,
    boolean suspended)
{
    /** {@code stop.type}. */
    public enum StopType
    {
        /** Write {@code stop.value} to stdin, then wait for the process to exit. */
        COMMAND,
        /** Send the signal named by {@code stop.value} to the process tree. */
        SIGNAL
    }
}
