package io.tern.daemon.cli;

import io.tern.daemon.log.LogLevel;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code token}: print a websocket JWT for one server, signed with the config's {@code token}.
 *
 * @param config      the YAML config whose {@code token} signs ({@code --config}, required).
 * @param server      the server uuid, lower case ({@code --server}, required).
 * @param user        the user uuid, lower case ({@code --user}), or null when not given.
 * @param permissions the permissions claim ({@code --permissions a,b,c}), unmodifiable; {@code ["*"]} when not given.
 * @param ttlMillis   the token lifetime ({@code --ttl}, default 10m).
 * @param logLevel    the {@code --log-level}, default {@code info}.
 */
public record TokenCommand(
    Path config,
    String server,
    String user,
    List<String> permissions,
    long ttlMillis,
    LogLevel logLevel) implements Command
{
}
