package io.tern.daemon.config;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.schema.CoreSchema;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads the production config: a YAML file with Wings' key names ({@code token}, {@code api.port},
 * {@code system.data}, …) plus Tern's {@code websocket.*} keys and {@code servers:} list. Every
 * value is validated; the first bad one stops loading with a one-line {@link ConfigException}
 * naming the file and the key. Keys Tern does not use (Wings configs carry many) are ignored with
 * one warning that names them. Runs on the main thread at startup.
 */
public final class ConfigLoader
{
    /** A token shorter than this is accepted with a warning: Wings tokens are 64 characters. */
    static final int SHORT_TOKEN_CHARS = 32;

    private static final String FILE_PREFIX = "file://";
    private static final Pattern SIGNAL_NAME = Pattern.compile("(?:SIG)?(HUP|INT|QUIT|ABRT|KILL|USR1|USR2|TERM)");
    private static final String REGEX_PREFIX = "regex:";
    private static final Set<String> CTRL_C = Set.of("^C", "C");

    private ConfigLoader()
    {
    }

    /**
     * Loads {@code file} with the default profile ({@value PerfProfile#DEFAULT_NAME}).
     *
     * @param file the YAML config.
     * @return the validated config.
     * @throws ConfigException if the file or the default profile is unusable.
     */
    public static DaemonConfig load(final Path file) throws ConfigException
    {
        return load(file, PerfProfile.load(PerfProfile.DEFAULT_NAME));
    }

    /**
     * Loads {@code file} and merges it with {@code profile}. The token is registered with the log
     * redactor so it never appears in a log line.
     *
     * @param file    the YAML config.
     * @param profile the tuning profile, from {@link PerfProfile#load(String)}.
     * @return the validated config.
     * @throws ConfigException naming the file and the key of the first bad value.
     */
    public static DaemonConfig load(final Path file, final PerfProfile profile) throws ConfigException
    {
        final String source = file.toString();
        final String text = read(file, source);
        return parse(source, text, file.toAbsolutePath().normalize(), profile);
    }

    /**
     * Parses config text.
     *
     * @param source  named in error messages.
     * @param text    the YAML.
     * @param file    recorded as {@link DaemonConfig#source()}; also the base of a relative
     *                {@code token: file://…}.
     * @param profile the tuning profile.
     * @return the validated config.
     * @throws ConfigException naming {@code source} and the key of the first bad value.
     */
    static DaemonConfig parse(final String source, final String text, final Path file, final PerfProfile profile)
        throws ConfigException
    {
        final YamlSection root = new YamlSection(source, "", document(source, text));

        final String token = token(root, file);
        final DaemonConfig.Builder builder = new DaemonConfig.Builder(token, profile);
        builder.source = file;
        builder.appName = nonBlank(root, "app_name", DaemonConfig.DEFAULT_APP_NAME);
        builder.remote = root.string("remote", DaemonConfig.DEFAULT_REMOTE);
        builder.allowedOrigins = root.stringList("allowed_origins", false);

        final YamlSection api = root.section("api");
        builder.apiHost = nonBlank(api, "host", DaemonConfig.DEFAULT_API_HOST);
        builder.apiPort = (int)api.integer("port", DaemonConfig.DEFAULT_API_PORT, 0, 65535);

        final YamlSection system = root.section("system");
        builder.dataDirectory = directory(system, "data", DaemonConfig.DEFAULT_DATA_DIRECTORY);
        builder.websocketLogCount = (int)system.integer(
            "websocket_log_count", DaemonConfig.DEFAULT_WEBSOCKET_LOG_COUNT, 0, Integer.MAX_VALUE);
        builder.diskCheckIntervalMillis = wholeSeconds(system, "disk_check_interval", DaemonConfig.DEFAULT_DISK_CHECK_INTERVAL_MILLIS);
        final YamlSection crashDetection = system.section("crash_detection");
        builder.crashDetectionEnabled = crashDetection.bool("enabled", DaemonConfig.DEFAULT_CRASH_DETECTION_ENABLED);
        builder.detectCleanExitAsCrash = crashDetection.bool(
            "detect_clean_exit_as_crash", DaemonConfig.DEFAULT_DETECT_CLEAN_EXIT_AS_CRASH);
        builder.crashTimeoutMillis = wholeSeconds(crashDetection, "timeout", DaemonConfig.DEFAULT_CRASH_TIMEOUT_MILLIS);
        builder.detachOnShutdown = system.bool("detach_on_shutdown", false);

        final YamlSection throttles = root.section("throttles");
        builder.throttleLines = (int)throttles.integer("lines", DaemonConfig.DEFAULT_THROTTLE_LINES, 1, Integer.MAX_VALUE);
        builder.throttleIntervalMillis = throttles.durationMillis(
            "line_reset_interval", DaemonConfig.DEFAULT_THROTTLE_INTERVAL_MILLIS, TimeUnit.MILLISECONDS, 1);

        builder.requireScope = root.section("jwt").bool("require_scope", DaemonConfig.DEFAULT_REQUIRE_SCOPE);

        final YamlSection websocket = root.section("websocket");
        builder.compression = websocket.optionalBool("compression");
        builder.authTimeoutMillis = websocket.durationMillis(
            "auth_timeout", DaemonConfig.DEFAULT_AUTH_TIMEOUT_MILLIS, TimeUnit.SECONDS, 1);
        builder.reauthGraceMillis = websocket.durationMillis(
            "reauth_grace", DaemonConfig.DEFAULT_REAUTH_GRACE_MILLIS, TimeUnit.SECONDS, 0);
        builder.maxConnectionsPerServer = (int)websocket.integer(
            "max_connections_per_server", DaemonConfig.DEFAULT_MAX_CONNECTIONS_PER_SERVER, 1, Integer.MAX_VALUE);

        builder.benchLineSourceRate = (int)root.section("bench").integer(
            "line_source_rate", DaemonConfig.DEFAULT_BENCH_LINE_SOURCE_RATE, 0, 1_000_000);

        builder.servers = servers(root);

        final DaemonConfig config = builder.build();
        final Logger logger = Logger.getLogger(ConfigLoader.class.getPackageName());
        final List<String> unknown = new ArrayList<>();
        root.collectUnknownKeys(unknown);
        if (!unknown.isEmpty())
        {
            logger.log(Level.WARNING, "{0}: ignoring keys Tern does not use: {1}", new Object[]{source, String.join(", ", unknown)});
        }
        if (token.length() < SHORT_TOKEN_CHARS)
        {
            logger.log(Level.WARNING, "{0}: token is {1} characters long; use at least {2} random characters",
                new Object[]{source, token.length(), SHORT_TOKEN_CHARS});
        }
        return config;
    }

    private static String read(final Path file, final String source) throws ConfigException
    {
        try
        {
            return Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final NoSuchFileException ex)
        {
            throw new ConfigException(source, "file not found");
        }
        catch (final AccessDeniedException ex)
        {
            throw new ConfigException(source, "permission denied");
        }
        catch (final CharacterCodingException ex)
        {
            throw new ConfigException(source, "the file is not UTF-8 text");
        }
        catch (final IOException ex)
        {
            throw new ConfigException(source, "cannot be read: " + ex);
        }
    }

    /**
     * Validates one {@code servers:} entry given as already parsed values (a JSON object's): the
     * body of the admin API's create and sync routes. Unlike the config file, a key that is not a
     * field of an entry is refused, so a misspelt field is never silently ignored.
     *
     * @param source      named in errors (e.g. {@code the request body}).
     * @param fields      the entry's keys and values (strings, numbers, booleans, lists and maps).
     * @param defaultUuid the uuid when {@code fields} has none, or {@code null} when {@code uuid} is required.
     * @return the validated definition, uuid in lower case.
     * @throws ConfigException whose {@link ConfigException#detail()} names the field and what is wrong with it.
     */
    public static ServerDefinition parseServerEntry(final String source, final Map<?, ?> fields, final String defaultUuid)
        throws ConfigException
    {
        final Map<Object, Object> values = new LinkedHashMap<>(fields);
        if (defaultUuid != null)
        {
            values.putIfAbsent("uuid", defaultUuid);
        }
        final YamlSection entry = new YamlSection(source, "", values);
        final ServerDefinition server = server(entry);
        final List<String> unknown = new ArrayList<>();
        entry.collectUnknownKeys(unknown);
        if (!unknown.isEmpty())
        {
            throw new ConfigException(source, String.join(", ", unknown) + (unknown.size() == 1 ? " is not a field" : " are not fields")
                + " of a server (the fields are uuid, invocation, environment, stop.type, stop.value, done, limits.memory,"
                + " suspended, install.script, install.interpreter)");
        }
        return server;
    }

    private static Map<?, ?> document(final String source, final String text) throws ConfigException
    {
        final Object document = load(source, text);
        if (document == null)
        {
            return Map.of();
        }
        if (!(document instanceof Map))
        {
            throw new ConfigException(source, "the file must be a YAML mapping of keys such as token: and api:, not " +
                YamlSection.describe(document));
        }
        return (Map<?, ?>)document;
    }

    /**
     * Parses YAML (or JSON) text into plain values: maps in file order, lists, strings, numbers, booleans.
     *
     * @param source named in errors.
     * @param text   the text.
     * @return the document, or null when it is empty.
     * @throws ConfigException when the text is not valid YAML or repeats a key.
     */
    static Object load(final String source, final String text) throws ConfigException
    {
        final LoadSettings settings = LoadSettings.builder()
            .setLabel(source)
            .setSchema(new CoreSchema())
            .setAllowDuplicateKeys(false)
            .build();
        final Object document;
        try
        {
            document = new Load(settings).loadFromString(text);
        }
        catch (final MarkedYamlEngineException ex)
        {
            throw new ConfigException(source, "not valid YAML" + where(ex) + ": " + ex.getProblem());
        }
        catch (final YamlEngineException ex)
        {
            throw new ConfigException(source, "not valid YAML: " + firstLine(ex.getMessage()));
        }
        return document;
    }

    private static String where(final MarkedYamlEngineException ex)
    {
        if (ex.getProblemMark().isPresent())
        {
            final Mark mark = ex.getProblemMark().get();
            return " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
        }
        return "";
    }

    private static String firstLine(final String message)
    {
        if (message == null)
        {
            return "unreadable";
        }
        final int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static String token(final YamlSection root, final Path file) throws ConfigException
    {
        final String value = root.requiredString("token", true);
        final String token;
        if (value.startsWith(FILE_PREFIX))
        {
            final String location = value.substring(FILE_PREFIX.length());
            final Path tokenFile;
            try
            {
                tokenFile = file.resolveSibling(location);
            }
            catch (final InvalidPathException ex)
            {
                throw root.error("token", "names a file that is not a valid path: " + location);
            }
            try
            {
                token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
            }
            catch (final IOException ex)
            {
                throw root.error("token", "names " + tokenFile + ", which cannot be read: " + ex.getClass().getSimpleName());
            }
            if (token.isEmpty())
            {
                throw root.error("token", "names " + tokenFile + ", which is empty");
            }
        }
        else
        {
            token = value;
        }
        return token;
    }

    private static String nonBlank(final YamlSection section, final String name, final String defaultValue) throws ConfigException
    {
        final String value = section.string(name, defaultValue);
        if (value.isBlank())
        {
            throw section.error(name, "must not be empty");
        }
        return value;
    }

    private static long wholeSeconds(final YamlSection section, final String name, final long defaultMillis) throws ConfigException
    {
        final long millis = section.durationMillis(name, defaultMillis, TimeUnit.SECONDS, 0);
        if (millis % 1000 != 0)
        {
            throw section.error(name, "must be a whole number of seconds, not " + DurationFormat.format(millis));
        }
        return millis;
    }

    private static Path directory(final YamlSection section, final String name, final Path defaultValue) throws ConfigException
    {
        if (!section.has(name))
        {
            return defaultValue;
        }
        final String value = nonBlank(section, name, "");
        try
        {
            return Path.of(value).toAbsolutePath().normalize();
        }
        catch (final InvalidPathException ex)
        {
            throw section.error(name, "is not a valid path: " + YamlSection.describe(value));
        }
    }

    private static List<ServerDefinition> servers(final YamlSection root) throws ConfigException
    {
        final List<YamlSection> entries = root.sections("servers");
        final List<ServerDefinition> servers = new ArrayList<>(entries.size());
        final Map<String, String> seen = new HashMap<>();
        for (final YamlSection entry : entries)
        {
            final ServerDefinition server = server(entry);
            final String firstUse = seen.putIfAbsent(server.uuid(), entry.key("uuid"));
            if (firstUse != null)
            {
                throw entry.error("uuid", "\"" + server.uuid() + "\" is already used by " + firstUse);
            }
            servers.add(server);
        }
        return servers;
    }

    private static ServerDefinition server(final YamlSection entry) throws ConfigException
    {
        final String uuid = entry.requiredString("uuid", false);
        if (!UuidFormat.isValid(uuid))
        {
            throw entry.error("uuid", "must be a uuid such as 8d3f3e2a-3b7c-4c1e-9a53-2f1f9b6c7d10, not " + YamlSection.describe(uuid));
        }
        final String invocation = entry.requiredString("invocation", false);
        final Map<String, String> environment = entry.stringMap("environment");
        for (final String name : environment.keySet())
        {
            if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0)
            {
                throw entry.error("environment", "has a variable name that is empty or contains '=': " + YamlSection.describe(name));
            }
        }

        final YamlSection stop = entry.section("stop");
        final String type = stop.string("type", "signal");
        final ServerDefinition.StopType stopType;
        final String stopValue;
        if ("command".equals(type))
        {
            stopType = ServerDefinition.StopType.COMMAND;
            stopValue = stop.requiredString("value", false);
        }
        else if ("signal".equals(type))
        {
            stopType = ServerDefinition.StopType.SIGNAL;
            stopValue = signal(stop, stop.string("value", "SIGTERM"));
        }
        else
        {
            throw stop.error("type", "must be \"command\" or \"signal\", not " + YamlSection.describe(type));
        }

        final List<String> done = entry.stringList("done", true);
        for (int i = 0; i < done.size(); i++)
        {
            final String line = done.get(i);
            if (line.isEmpty())
            {
                throw entry.error("done[" + i + "]", "must not be empty");
            }
            if (line.startsWith(REGEX_PREFIX))
            {
                try
                {
                    Pattern.compile(line.substring(REGEX_PREFIX.length()));
                }
                catch (final PatternSyntaxException ex)
                {
                    throw entry.error("done[" + i + "]", "is not a valid regex: " + ex.getDescription());
                }
            }
        }

        final long memory = entry.section("limits").integer("memory", 0, 0, Long.MAX_VALUE / (1024 * 1024));
        final boolean suspended = entry.bool("suspended", false);
        ServerDefinition.InstallScript install = null;
        if (entry.has("install"))
        {
            final YamlSection script = entry.section("install");
            install = new ServerDefinition.InstallScript(script.requiredString("script", false), script.string("interpreter", "/bin/sh"));
        }
        return new ServerDefinition(
            uuid.toLowerCase(Locale.ROOT), invocation, environment, stopType, stopValue, done, memory, suspended, install);
    }

    private static String signal(final YamlSection stop, final String value) throws ConfigException
    {
        final String name = value.trim().toUpperCase(Locale.ROOT);
        if (CTRL_C.contains(name))
        {
            return "SIGINT";
        }
        final Matcher matcher = SIGNAL_NAME.matcher(name);
        if (!matcher.matches())
        {
            throw stop.error("value", "must be a signal name such as SIGTERM, SIGINT or SIGKILL, not " + YamlSection.describe(value));
        }
        return "SIG" + matcher.group(1);
    }
}
