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
 * @param install        the install script run by the admin API's install/reinstall routes, or {@code null}.
 */
public record ServerDefinition(
    String uuid,
    String invocation,
    Map<String, String> environment,
    StopType stopType,
    String stopValue,
    List<String> done,
    long memoryLimitMib,
    boolean suspended,
    InstallScript install)
{
    /**
     * A definition without an install script.
     */
    public ServerDefinition(
        final String uuid,
        final String invocation,
        final Map<String, String> environment,
        final StopType stopType,
        final String stopValue,
        final List<String> done,
        final long memoryLimitMib,
        final boolean suspended)
    {
        this(uuid, invocation, environment, stopType, stopValue, done, memoryLimitMib, suspended, null);
    }

    /**
     * @param suspendedNow the new suspension flag.
     * @return a copy with {@code suspended} replaced.
     */
    public ServerDefinition withSuspended(final boolean suspendedNow)
    {
        return new ServerDefinition(uuid, invocation, environment, stopType, stopValue, done, memoryLimitMib, suspendedNow, install);
    }

    /**
     * {@code install:} of a {@code servers:} entry: a script run in the server directory by
     * {@code interpreter} (its path or name, e.g. {@code /bin/bash}), as Wings runs an egg's
     * installation script.
     *
     * @param script      the script text.
     * @param interpreter the program that runs it, given the script file as its only argument.
     */
    public record InstallScript(String script, String interpreter)
    {
    }

    /** {@code stop.type}. */
    public enum StopType
    {
        /** Write {@code stop.value} to stdin, then wait for the process to exit. */
        COMMAND,
        /** Send the signal named by {@code stop.value} to the process tree. */
        SIGNAL
    }
}
