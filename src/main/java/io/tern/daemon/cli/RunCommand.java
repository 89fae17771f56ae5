package io.tern.daemon.cli;

import io.tern.daemon.log.LogLevel;

import java.nio.file.Path;

/**
 * Run the daemon: in production mode with {@code --config FILE}, otherwise in demo mode.
 *
 * @param config   the YAML config, or null for demo mode.
 * @param profile  the {@code --profile} name or path; {@code balanced} when not given.
 * @param port     demo mode's listen port ({@code --port}, default 8080); production mode takes
 *                 {@code api.port} from the config and this is unused.
 * @param logLevel the {@code --log-level}, default {@code info}.
 */
public record RunCommand(Path config, String profile, int port, LogLevel logLevel) implements Command
{
    /**
     * @return whether this is demo mode (no {@code --config}).
     */
    public boolean demo()
    {
        return config == null;
    }
}
