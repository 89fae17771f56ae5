package io.tern.daemon.cli;

import io.tern.daemon.config.DurationFormat;
import io.tern.daemon.config.PerfProfile;
import io.tern.daemon.config.UuidFormat;
import io.tern.daemon.log.LogLevel;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Parses the daemon's arguments into a {@link Command}. Without a subcommand the daemon runs (demo
 * mode, or production mode with {@code --config}); {@code token} mints a websocket token. Options
 * are written {@code --name value} or {@code --name=value}; {@code --help} anywhere prints usage.
 * Stateless.
 */
public final class CommandLine
{
    /** Demo mode's listen port when {@code --port} is not given. */
    public static final int DEFAULT_PORT = 8080;
    /** The token lifetime when {@code --ttl} is not given: the panel's 10 minutes. */
    public static final long DEFAULT_TTL_MILLIS = 600_000;
    /** The permissions claim when {@code --permissions} is not given: everything. */
    public static final List<String> DEFAULT_PERMISSIONS = List.of("*");
    /** The subcommand that mints a token. */
    public static final String TOKEN = "token";

    private static final String CONFIG = "--config";
    private static final String PROFILE = "--profile";
    private static final String PORT = "--port";
    private static final String LOG_LEVEL = "--log-level";
    private static final String SERVER = "--server";
    private static final String USER = "--user";
    private static final String PERMISSIONS = "--permissions";
    private static final String TTL = "--ttl";
    private static final Set<String> RUN_OPTIONS = Set.of(CONFIG, PROFILE, PORT, LOG_LEVEL);
    private static final Set<String> TOKEN_OPTIONS = Set.of(CONFIG, SERVER, USER, PERMISSIONS, TTL, LOG_LEVEL);

    private static final String RUN_USAGE =
        "Usage:\n" +
        "  java -jar tern.jar [--port PORT] [--profile NAME|PATH] [--log-level LEVEL]\n" +
        "      Demo mode: runs one demo server and serves its console on http://127.0.0.1:PORT/.\n" +
        "  java -jar tern.jar --config FILE [--profile NAME|PATH] [--log-level LEVEL]\n" +
        "      Production mode: servers and settings from the YAML config FILE.\n" +
        "  java -jar tern.jar token --config FILE --server UUID [options]\n" +
        "      Prints a websocket token; see java -jar tern.jar token --help.\n" +
        "\n" +
        "Options:\n" +
        "  --config FILE          YAML config with Wings key names (token, api, system, servers, ...)\n" +
        "  --profile NAME|PATH    tuning profile: perf/NAME.properties (balanced, low-latency,\n" +
        "                         high-density) or a .properties file; default balanced\n" +
        "  --port PORT            demo mode's port on 127.0.0.1; default " + DEFAULT_PORT + "\n" +
        "  --log-level LEVEL      error, warn, info or debug; default info\n" +
        "  --help, -h             print this help\n" +
        "\n" +
        "Exit status: 0 after a clean stop, 2 for bad arguments or a bad config, 1 for other failures.\n";

    private static final String TOKEN_USAGE =
        "Usage:\n" +
        "  java -jar tern.jar token --config FILE --server UUID [--user UUID] [--permissions P,P,...] [--ttl DURATION]\n" +
        "      Prints a websocket token (JWT) for one server, signed with the config's token.\n" +
        "\n" +
        "Options:\n" +
        "  --config FILE          the YAML config whose token signs\n" +
        "  --server UUID          the server the token is for\n" +
        "  --user UUID            the user the token names\n" +
        "  --permissions P,P,...  permissions, e.g. websocket.connect,control.console; default *\n" +
        "  --ttl DURATION         lifetime such as 90s, 10m or 1h (a bare number is seconds); default 10m\n" +
        "  --log-level LEVEL      error, warn, info or debug; default info\n" +
        "  --help, -h             print this help\n";

    private CommandLine()
    {
    }

    /**
     * Parses the arguments of {@code main}.
     *
     * @param args the arguments.
     * @return a {@link RunCommand}, {@link TokenCommand} or {@link HelpCommand}.
     * @throws UsageException naming the first bad argument.
     */
    public static Command parse(final String... args) throws UsageException
    {
        final boolean token = args.length > 0 && TOKEN.equals(args[0]);
        for (final String arg : args)
        {
            if ("--help".equals(arg) || "-h".equals(arg))
            {
                return new HelpCommand(token ? TOKEN_USAGE : RUN_USAGE);
            }
        }
        if (args.length > 0 && !token && !args[0].startsWith("-"))
        {
            throw new UsageException("unknown command \"" + args[0] + "\"; the only command is " + TOKEN);
        }
        return token ? token(options(args, true)) : run(options(args, false));
    }

    /**
     * @return the usage text of the daemon.
     */
    public static String usage()
    {
        return RUN_USAGE;
    }

    private static RunCommand run(final Map<String, String> options) throws UsageException
    {
        final Path config = options.containsKey(CONFIG) ? path(CONFIG, options.get(CONFIG)) : null;
        if (config != null && options.containsKey(PORT))
        {
            throw new UsageException(PORT + " is for demo mode only; with " + CONFIG + " set api.port in the config file");
        }
        final int port = options.containsKey(PORT) ? port(options.get(PORT)) : DEFAULT_PORT;
        final String profile = options.getOrDefault(PROFILE, PerfProfile.DEFAULT_NAME);
        return new RunCommand(config, profile, port, logLevel(options));
    }

    private static TokenCommand token(final Map<String, String> options) throws UsageException
    {
        if (!options.containsKey(CONFIG))
        {
            throw new UsageException(TOKEN + " needs " + CONFIG + " FILE, the config whose token signs");
        }
        if (!options.containsKey(SERVER))
        {
            throw new UsageException(TOKEN + " needs " + SERVER + " UUID, the server the token is for");
        }
        final Path config = path(CONFIG, options.get(CONFIG));
        final String server = uuid(SERVER, options.get(SERVER));
        final String user = options.containsKey(USER) ? uuid(USER, options.get(USER)) : null;
        final List<String> permissions = options.containsKey(PERMISSIONS) ? permissions(options.get(PERMISSIONS)) : DEFAULT_PERMISSIONS;
        final long ttlMillis = options.containsKey(TTL) ? ttl(options.get(TTL)) : DEFAULT_TTL_MILLIS;
        return new TokenCommand(config, server, user, permissions, ttlMillis, logLevel(options));
    }

    private static Map<String, String> options(final String[] args, final boolean token) throws UsageException
    {
        final Set<String> allowed = token ? TOKEN_OPTIONS : RUN_OPTIONS;
        final Set<String> otherMode = token ? RUN_OPTIONS : TOKEN_OPTIONS;
        final Map<String, String> options = new HashMap<>();
        int i = token ? 1 : 0;
        while (i < args.length)
        {
            final String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2)
            {
                throw new UsageException("unexpected argument \"" + arg + "\"");
            }
            final int equals = arg.indexOf('=');
            final String name = equals < 0 ? arg : arg.substring(0, equals);
            if (!allowed.contains(name))
            {
                if (otherMode.contains(name))
                {
                    throw new UsageException(token ?
                        name + " is not an option of the " + TOKEN + " command" :
                        name + " is an option of the " + TOKEN + " command only");
                }
                throw new UsageException("unknown option " + name);
            }
            final String value;
            if (equals >= 0)
            {
                value = arg.substring(equals + 1);
                i++;
            }
            else
            {
                if (i + 1 >= args.length || args[i + 1].startsWith("--"))
                {
                    throw new UsageException(name + " needs a value");
                }
                value = args[i + 1];
                i += 2;
            }
            if (value.isBlank())
            {
                throw new UsageException(name + " needs a value");
            }
            if (options.put(name, value) != null)
            {
                throw new UsageException(name + " is given twice");
            }
        }
        return options;
    }

    private static Path path(final String name, final String value) throws UsageException
    {
        try
        {
            return Path.of(value);
        }
        catch (final InvalidPathException ex)
        {
            throw new UsageException(name + " must be a file path, not \"" + value + "\"");
        }
    }

    private static int port(final String value) throws UsageException
    {
        try
        {
            final int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535)
            {
                return port;
            }
        }
        catch (final NumberFormatException ex)
        {
            // reported below with the value
        }
        throw new UsageException(PORT + " must be a port number from 0 to 65535, not \"" + value + "\"");
    }

    private static LogLevel logLevel(final Map<String, String> options) throws UsageException
    {
        if (!options.containsKey(LOG_LEVEL))
        {
            return LogLevel.INFO;
        }
        try
        {
            return LogLevel.parse(options.get(LOG_LEVEL));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException(LOG_LEVEL + " " + ex.getMessage());
        }
    }

    private static String uuid(final String name, final String value) throws UsageException
    {
        if (!UuidFormat.isValid(value))
        {
            throw new UsageException(name + " must be a uuid such as 8d3f3e2a-3b7c-4c1e-9a53-2f1f9b6c7d10, not \"" + value + "\"");
        }
        return value.toLowerCase(Locale.ROOT);
    }

    private static List<String> permissions(final String value) throws UsageException
    {
        final List<String> permissions = new ArrayList<>();
        for (final String part : value.split(","))
        {
            final String permission = part.trim();
            if (!permission.isEmpty())
            {
                permissions.add(permission);
            }
        }
        if (permissions.isEmpty())
        {
            throw new UsageException(PERMISSIONS + " needs at least one permission, e.g. websocket.connect");
        }
        return List.copyOf(permissions);
    }

    private static long ttl(final String value) throws UsageException
    {
        final long millis;
        try
        {
            millis = DurationFormat.parseMillis(value, TimeUnit.SECONDS);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException(TTL + " " + ex.getMessage());
        }
        if (millis < 1000)
        {
            throw new UsageException(TTL + " must be at least 1s, not \"" + value + "\"");
        }
        return millis;
    }
}
