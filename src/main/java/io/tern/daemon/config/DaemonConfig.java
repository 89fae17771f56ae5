package io.tern.daemon.config;

import io.tern.daemon.log.DaemonLog;
import io.tern.engine.EngineConfig;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything the daemon is configured with: the YAML file's values (Wings key names) merged with a
 * {@link PerfProfile}. Built once at startup by {@link ConfigLoader#load(Path, PerfProfile)} or
 * {@link #demo(int, Path, String, ServerDefinition, PerfProfile)}, then only read; safe to share
 * between threads. {@link #toString()} never shows the token.
 */
public final class DaemonConfig
{
    /** {@code app_name}: the daemon console prefix {@code [<app_name> Daemon]:}. */
    public static final String DEFAULT_APP_NAME = "Tern";
    /** {@code remote}: the panel URL, whose exact origin may open sockets; empty when none. */
    public static final String DEFAULT_REMOTE = "";
    /** {@code api.host}: the address the HTTP listener binds. */
    public static final String DEFAULT_API_HOST = "0.0.0.0";
    /** {@code api.port}: the port the HTTP listener binds. */
    public static final int DEFAULT_API_PORT = 8080;
    /** {@code system.data}: the directory holding one directory per server, named by uuid. */
    public static final Path DEFAULT_DATA_DIRECTORY = Path.of("/var/lib/tern/volumes");
    /** {@code system.websocket_log_count}: console lines kept per server for {@code send logs}. */
    public static final int DEFAULT_WEBSOCKET_LOG_COUNT = 150;
    /** {@code system.disk_check_interval}: how long a disk usage figure is cached; 0 disables disk usage. */
    public static final long DEFAULT_DISK_CHECK_INTERVAL_MILLIS = 150_000;
    /** {@code system.crash_detection.enabled}: restart a server whose process exits on its own. */
    public static final boolean DEFAULT_CRASH_DETECTION_ENABLED = true;
    /** {@code system.crash_detection.detect_clean_exit_as_crash}: an exit with status 0 also counts as a crash. */
    public static final boolean DEFAULT_DETECT_CLEAN_EXIT_AS_CRASH = true;
    /** {@code system.crash_detection.timeout}: no automatic restart within this long of the previous crash. */
    public static final long DEFAULT_CRASH_TIMEOUT_MILLIS = 60_000;
    /** {@code throttles.lines}: console lines allowed per throttle window. */
    public static final int DEFAULT_THROTTLE_LINES = 2000;
    /** {@code throttles.line_reset_interval}: the console throttle window. */
    public static final long DEFAULT_THROTTLE_INTERVAL_MILLIS = 100;
    /** {@code jwt.require_scope}: when false a token without a {@code scope} claim is accepted. */
    public static final boolean DEFAULT_REQUIRE_SCOPE = false;
    /** {@code websocket.compression}: offer permessage-deflate. */
    public static final boolean DEFAULT_COMPRESSION = true;
    /** {@code websocket.auth_timeout}: unauthenticated sockets are closed with 1008 after this. */
    public static final long DEFAULT_AUTH_TIMEOUT_MILLIS = 30_000;
    /** {@code websocket.reauth_grace}: after {@code exp}, a socket without a fresh {@code auth} is closed with 4401. */
    public static final long DEFAULT_REAUTH_GRACE_MILLIS = 60_000;
    /** {@code websocket.max_connections_per_server}: upgrades are refused with 400 at this many open sockets. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_SERVER = 30;
    /** {@code bench.line_source_rate}: synthetic console lines/s per server, benchmark only; 0 = off. */
    public static final int DEFAULT_BENCH_LINE_SOURCE_RATE = 0;
    /** The address demo mode listens on: loopback only. */
    public static final String DEMO_HOST = "127.0.0.1";

    private final Path source;
    private final byte[] token;
    private final String appName;
    private final String remote;
    private final List<String> allowedOrigins;
    private final String apiHost;
    private final int apiPort;
    private final Path dataDirectory;
    private final int websocketLogCount;
    private final long diskCheckIntervalMillis;
    private final boolean crashDetectionEnabled;
    private final boolean detectCleanExitAsCrash;
    private final long crashTimeoutMillis;
    private final boolean detachOnShutdown;
    private final int throttleLines;
    private final long throttleIntervalMillis;
    private final boolean requireScope;
    private final boolean compression;
    private final long authTimeoutMillis;
    private final long reauthGraceMillis;
    private final int maxConnectionsPerServer;
    private final int benchLineSourceRate;
    private final List<ServerDefinition> servers;
    private final PerfProfile profile;

    private DaemonConfig(final Builder builder)
    {
        this.source = builder.source;
        this.token = builder.token.getBytes(StandardCharsets.UTF_8);
        this.appName = builder.appName;
        this.remote = builder.remote;
        this.allowedOrigins = List.copyOf(builder.allowedOrigins);
        this.apiHost = builder.apiHost;
        this.apiPort = builder.apiPort;
        this.dataDirectory = builder.dataDirectory;
        this.websocketLogCount = builder.websocketLogCount;
        this.diskCheckIntervalMillis = builder.diskCheckIntervalMillis;
        this.crashDetectionEnabled = builder.crashDetectionEnabled;
        this.detectCleanExitAsCrash = builder.detectCleanExitAsCrash;
        this.crashTimeoutMillis = builder.crashTimeoutMillis;
        this.detachOnShutdown = builder.detachOnShutdown;
        this.throttleLines = builder.throttleLines;
        this.throttleIntervalMillis = builder.throttleIntervalMillis;
        this.requireScope = builder.requireScope;
        this.authTimeoutMillis = builder.authTimeoutMillis;
        this.reauthGraceMillis = builder.reauthGraceMillis;
        this.maxConnectionsPerServer = builder.maxConnectionsPerServer;
        this.benchLineSourceRate = builder.benchLineSourceRate;
        this.servers = List.copyOf(builder.servers);
        this.profile = builder.profile;
        if (builder.compression != null)
        {
            this.compression = builder.compression;
        }
        else if (profile.compression() != null)
        {
            this.compression = profile.compression();
        }
        else
        {
            this.compression = DEFAULT_COMPRESSION;
        }
        DaemonLog.hideSecret(builder.token);
    }

    /**
     * The configuration of demo mode: listens on {@value #DEMO_HOST}:{@code port}, accepts any
     * browser origin ({@code allowed_origins: ["*"]}) so a console page served from anywhere can
     * connect, and runs the one given server. Everything else has its default.
     *
     * @param port          the listen port.
     * @param dataDirectory the directory that holds the demo server's directory.
     * @param token         the HS256 key tokens are signed with; registered with the log redactor.
     * @param demoServer    the server demo mode runs.
     * @param profile       the tuning profile.
     * @return the configuration.
     */
    public static DaemonConfig demo(
        final int port,
        final Path dataDirectory,
        final String token,
        final ServerDefinition demoServer,
        final PerfProfile profile)
    {
        final Builder builder = new Builder(token, profile);
        builder.apiHost = DEMO_HOST;
        builder.apiPort = port;
        builder.allowedOrigins = List.of("*");
        builder.dataDirectory = dataDirectory.toAbsolutePath().normalize();
        builder.servers = List.of(demoServer);
        return builder.build();
    }

    /**
     * A new engine config holding the YAML's {@code app_name}, {@code jwt.require_scope},
     * {@code websocket.auth_timeout}, {@code websocket.reauth_grace} and
     * {@code websocket.max_connections_per_server}, and the profile's engine tunables.
     *
     * @return a new, filled engine config.
     */
    public EngineConfig toEngineConfig()
    {
        final EngineConfig engine = new EngineConfig();
        engine.appName = appName;
        engine.requireScope = requireScope;
        engine.authTimeoutMillis = authTimeoutMillis;
        engine.reauthGraceMillis = reauthGraceMillis;
        engine.maxConnectionsPerServer = maxConnectionsPerServer;
        profile.applyTo(engine);
        return engine;
    }

    /**
     * @return the YAML file this was loaded from, or null in demo mode.
     */
    public Path source()
    {
        return source;
    }

    /**
     * @return whether this is demo mode's configuration.
     */
    public boolean isDemo()
    {
        return source == null;
    }

    /**
     * @return a copy of {@code token}'s UTF-8 bytes, the HS256 key for websocket JWTs.
     */
    public byte[] token()
    {
        return token.clone();
    }

    /**
     * @return {@code app_name}.
     */
    public String appName()
    {
        return appName;
    }

    /**
     * @return {@code remote}, the panel URL; empty when not set.
     */
    public String remote()
    {
        return remote;
    }

    /**
     * @return {@code allowed_origins}: extra exact origins, or {@code *} for any.
     */
    public List<String> allowedOrigins()
    {
        return allowedOrigins;
    }

    /**
     * @return {@code api.host}.
     */
    public String apiHost()
    {
        return apiHost;
    }

    /**
     * @return {@code api.port}; 0 lets the system pick a free port.
     */
    public int apiPort()
    {
        return apiPort;
    }

    /**
     * @return {@code system.data}, absolute.
     */
    public Path dataDirectory()
    {
        return dataDirectory;
    }

    /**
     * @param uuid a server's uuid.
     * @return the directory the server runs in: {@code <system.data>/<uuid>}.
     */
    public Path serverDirectory(final String uuid)
    {
        return dataDirectory.resolve(uuid);
    }

    /**
     * @return {@code system.websocket_log_count}.
     */
    public int websocketLogCount()
    {
        return websocketLogCount;
    }

    /**
     * @return {@code system.disk_check_interval} in milliseconds, a whole number of seconds; 0
     *         disables disk usage.
     */
    public long diskCheckIntervalMillis()
    {
        return diskCheckIntervalMillis;
    }

    /**
     * @return {@code system.crash_detection.enabled}.
     */
    public boolean crashDetectionEnabled()
    {
        return crashDetectionEnabled;
    }

    /**
     * @return {@code system.crash_detection.detect_clean_exit_as_crash}.
     */
    public boolean detectCleanExitAsCrash()
    {
        return detectCleanExitAsCrash;
    }

    /**
     * @return {@code system.crash_detection.timeout} in milliseconds, a whole number of seconds;
     *         0 always restarts.
     */
    public long crashTimeoutMillis()
    {
        return crashTimeoutMillis;
    }

    /**
     * @return {@code system.detach_on_shutdown}: leave game server processes running when the daemon stops.
     */
    public boolean detachOnShutdown()
    {
        return detachOnShutdown;
    }

    /**
     * @return {@code throttles.lines}.
     */
    public int throttleLines()
    {
        return throttleLines;
    }

    /**
     * @return {@code throttles.line_reset_interval} in milliseconds.
     */
    public long throttleIntervalMillis()
    {
        return throttleIntervalMillis;
    }

    /**
     * @return {@code jwt.require_scope}.
     */
    public boolean requireScope()
    {
        return requireScope;
    }

    /**
     * @return {@code websocket.compression}: the YAML's value when set, else the profile's, else true.
     */
    public boolean compression()
    {
        return compression;
    }

    /**
     * @return {@code websocket.auth_timeout} in milliseconds.
     */
    public long authTimeoutMillis()
    {
        return authTimeoutMillis;
    }

    /**
     * @return {@code websocket.reauth_grace} in milliseconds.
     */
    public long reauthGraceMillis()
    {
        return reauthGraceMillis;
    }

    /**
     * @return {@code websocket.max_connections_per_server}.
     */
    public int maxConnectionsPerServer()
    {
        return maxConnectionsPerServer;
    }

    /**
     * @return {@code bench.line_source_rate}: synthetic console lines/s per server (benchmark only); 0 = off.
     */
    public int benchLineSourceRate()
    {
        return benchLineSourceRate;
    }

    /**
     * @return the profile's {@code transport.io_threads}.
     */
    public int ioThreads()
    {
        return profile.ioThreads();
    }

    /**
     * @return the profile's {@code transport.buffer_size} in bytes.
     */
    public int bufferSize()
    {
        return profile.bufferSize();
    }

    /**
     * @return the profile's {@code transport.send_buffer} in bytes (0: the kernel's autotuning).
     */
    public int sendBuffer()
    {
        return profile.sendBuffer();
    }

    /**
     * @return {@code servers}, in file order, uuids unique.
     */
    public List<ServerDefinition> servers()
    {
        return servers;
    }

    /**
     * @return the tuning profile merged into this config.
     */
    public PerfProfile profile()
    {
        return profile;
    }

    /**
     * @return the settings for the startup log; the token is never included.
     */
    @Override
    public String toString()
    {
        return "DaemonConfig{source=" + (source == null ? "demo" : source) +
            ", token=(" + token.length + " bytes, hidden)" +
            ", app_name=" + appName +
            ", remote=" + remote +
            ", allowed_origins=" + allowedOrigins +
            ", api=" + apiHost + ":" + apiPort +
            ", system.data=" + dataDirectory +
            ", system.websocket_log_count=" + websocketLogCount +
            ", system.disk_check_interval=" + DurationFormat.format(diskCheckIntervalMillis) +
            ", system.crash_detection=" + (crashDetectionEnabled ?
                "on (clean exit " + (detectCleanExitAsCrash ? "counts" : "does not count") + ", timeout " +
                DurationFormat.format(crashTimeoutMillis) + ")" : "off") +
            ", throttles=" + throttleLines + " lines/" + DurationFormat.format(throttleIntervalMillis) +
            ", jwt.require_scope=" + requireScope +
            ", websocket.compression=" + compression +
            ", websocket.auth_timeout=" + DurationFormat.format(authTimeoutMillis) +
            ", websocket.reauth_grace=" + DurationFormat.format(reauthGraceMillis) +
            ", websocket.max_connections_per_server=" + maxConnectionsPerServer +
            ", servers=" + servers.size() +
            ", profile=" + profile.source() + "}";
    }

    /**
     * The values being gathered by {@link ConfigLoader} or {@link #demo}; starts at the defaults.
     */
    static final class Builder
    {
        private final String token;
        private final PerfProfile profile;
        Path source;
        String appName = DEFAULT_APP_NAME;
        String remote = DEFAULT_REMOTE;
        List<String> allowedOrigins = List.of();
        String apiHost = DEFAULT_API_HOST;
        int apiPort = DEFAULT_API_PORT;
        Path dataDirectory = DEFAULT_DATA_DIRECTORY;
        int websocketLogCount = DEFAULT_WEBSOCKET_LOG_COUNT;
        long diskCheckIntervalMillis = DEFAULT_DISK_CHECK_INTERVAL_MILLIS;
        boolean crashDetectionEnabled = DEFAULT_CRASH_DETECTION_ENABLED;
        boolean detectCleanExitAsCrash = DEFAULT_DETECT_CLEAN_EXIT_AS_CRASH;
        long crashTimeoutMillis = DEFAULT_CRASH_TIMEOUT_MILLIS;
        boolean detachOnShutdown;
        int throttleLines = DEFAULT_THROTTLE_LINES;
        long throttleIntervalMillis = DEFAULT_THROTTLE_INTERVAL_MILLIS;
        boolean requireScope = DEFAULT_REQUIRE_SCOPE;
        Boolean compression;
        long authTimeoutMillis = DEFAULT_AUTH_TIMEOUT_MILLIS;
        long reauthGraceMillis = DEFAULT_REAUTH_GRACE_MILLIS;
        int maxConnectionsPerServer = DEFAULT_MAX_CONNECTIONS_PER_SERVER;
        int benchLineSourceRate = DEFAULT_BENCH_LINE_SOURCE_RATE;
        List<ServerDefinition> servers = List.of();

        Builder(final String token, final PerfProfile profile)
        {
            this.token = token;
            this.profile = profile;
        }

        DaemonConfig build()
        {
            return new DaemonConfig(this);
        }
    }
}
