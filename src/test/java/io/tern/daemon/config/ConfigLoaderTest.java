package io.tern.daemon.config;

import io.tern.daemon.log.DaemonLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest
{
    private static final String TOKEN = "Q2hhbmdlTWUtdGhpcy1pcy1hLWxvbmctcmFuZG9tLXNlY3JldC10b2tlbi0xMjM0";
    private static final String UUID_A = "8d3f3e2a-3b7c-4c1e-9a53-2f1f9b6c7d10";
    private static final String UUID_B = "2c9b7a1e-0f4d-4a8e-b3c2-6d5e4f3a2b10";

    private static final String FULL_EXAMPLE = String.join("\n",
        "debug: false",
        "uuid: 0f3e6c1a-5b2d-4e8f-9a7c-1b2c3d4e5f60",
        "token_id: AbCdEf0123456789",
        "token: " + TOKEN,
        "app_name: Acme Games",
        "remote: https://panel.example.com",
        "allowed_origins:",
        "  - https://status.example.com",
        "  - https://other.example.com",
        "api:",
        "  host: 10.0.0.5",
        "  port: 8443",
        "  ssl:",
        "    enabled: false",
        "system:",
        "  data: /srv/tern/volumes",
        "  websocket_log_count: 300",
        "  disk_check_interval: 60",
        "  sftp:",
        "    bind_port: 2022",
        "  crash_detection:",
        "    enabled: true",
        "    detect_clean_exit_as_crash: false",
        "    timeout: 90",
        "throttles:",
        "  lines: 1000",
        "  line_reset_interval: 250",
        "jwt:",
        "  require_scope: true",
        "websocket:",
        "  compression: false",
        "  auth_timeout: 10s",
        "  reauth_grace: 2m",
        "  max_connections_per_server: 50",
        "docker:",
        "  network:",
        "    name: pterodactyl_nw",
        "servers:",
        "  - uuid: 8D3F3E2A-3B7C-4C1E-9A53-2F1F9B6C7D10",
        "    invocation: java -Xms128M -Xmx1024M -jar server.jar nogui",
        "    environment:",
        "      SERVER_PORT: 25565",
        "      EULA: true",
        "      MOTD: \"A Tern server\"",
        "      EMPTY:",
        "    stop:",
        "      type: command",
        "      value: stop",
        "    done:",
        "      - \")! For help, type \"",
        "      - \"regex:^Done \\\\([0-9.]+s\\\\)\"",
        "    limits:",
        "      memory: 1024",
        "    suspended: false",
        "  - uuid: " + UUID_B,
        "    invocation: ./run.sh",
        "    image: ghcr.io/parkervcp/yolks:java_17",
        "    stop: {type: signal, value: INT}",
        "    done: Server started",
        "    suspended: true",
        "");

    @TempDir
    Path temp;

    private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler()
    {
        @Override
        public void publish(final LogRecord record)
        {
            warnings.add(record);
        }

        @Override
        public void flush()
        {
        }

        @Override
        public void close()
        {
        }
    };
    private final Logger configLogger = Logger.getLogger("io.tern.daemon.config");

    @BeforeEach
    void captureWarnings()
    {
        configLogger.addHandler(capture);
        configLogger.setUseParentHandlers(false);
    }

    @AfterEach
    void stopCapturing()
    {
        configLogger.removeHandler(capture);
        configLogger.setUseParentHandlers(true);
    }

    @Test
    void loadsAFullWingsStyleConfig() throws Exception
    {
        final Path file = write(FULL_EXAMPLE);
        final DaemonConfig config = ConfigLoader.load(file, PerfProfile.defaults());

        assertEquals(file.toAbsolutePath().normalize(), config.source());
        assertFalse(config.isDemo());
        assertArrayEquals(TOKEN.getBytes(StandardCharsets.UTF_8), config.token());
        assertEquals("Acme Games", config.appName());
        assertEquals("https://panel.example.com", config.remote());
        assertEquals(List.of("https://status.example.com", "https://other.example.com"), config.allowedOrigins());
        assertEquals("10.0.0.5", config.apiHost());
        assertEquals(8443, config.apiPort());
        assertEquals(Path.of("/srv/tern/volumes"), config.dataDirectory());
        assertEquals(Path.of("/srv/tern/volumes/" + UUID_B), config.serverDirectory(UUID_B));
        assertEquals(300, config.websocketLogCount());
        assertEquals(60_000, config.diskCheckIntervalMillis());
        assertTrue(config.crashDetectionEnabled());
        assertFalse(config.detectCleanExitAsCrash());
        assertEquals(90_000, config.crashTimeoutMillis());
        assertEquals(1000, config.throttleLines());
        assertEquals(250, config.throttleIntervalMillis());
        assertTrue(config.requireScope());
        assertFalse(config.compression());
        assertEquals(10_000, config.authTimeoutMillis());
        assertEquals(120_000, config.reauthGraceMillis());
        assertEquals(50, config.maxConnectionsPerServer());

        assertEquals(2, config.servers().size());
        final ServerDefinition minecraft = config.servers().get(0);
        assertEquals(UUID_A, minecraft.uuid());
        assertEquals("java -Xms128M -Xmx1024M -jar server.jar nogui", minecraft.invocation());
        assertEquals(Map.of("SERVER_PORT", "25565", "EULA", "true", "MOTD", "A Tern server", "EMPTY", ""), minecraft.environment());
        assertEquals(ServerDefinition.StopType.COMMAND, minecraft.stopType());
        assertEquals("stop", minecraft.stopValue());
        assertEquals(List.of(")! For help, type ", "regex:^Done \\([0-9.]+s\\)"), minecraft.done());
        assertEquals(1024, minecraft.memoryLimitMib());
        assertFalse(minecraft.suspended());

        final ServerDefinition second = config.servers().get(1);
        assertEquals(ServerDefinition.StopType.SIGNAL, second.stopType());
        assertEquals("SIGINT", second.stopValue());
        assertEquals(List.of("Server started"), second.done());
        assertTrue(second.suspended());
    }

    @Test
    void warnsOnceNamingEveryIgnoredKey() throws Exception
    {
        ConfigLoader.load(write(FULL_EXAMPLE), PerfProfile.defaults());
        assertEquals(1, warnings.size());
        final LogRecord warning = warnings.get(0);
        assertEquals(Level.WARNING, warning.getLevel());
        final String text = String.valueOf(warning.getParameters()[1]);
        assertEquals("debug, uuid, token_id, docker, api.ssl, system.sftp, servers[1].image", text);
    }

    @Test
    void appliesWingsDefaultsToAMinimalConfig() throws Exception
    {
        final DaemonConfig config = ConfigLoader.load(write("token: " + TOKEN + "\n"), PerfProfile.defaults());
        assertEquals("Tern", config.appName());
        assertEquals("", config.remote());
        assertEquals(List.of(), config.allowedOrigins());
        assertEquals("0.0.0.0", config.apiHost());
        assertEquals(8080, config.apiPort());
        assertEquals(Path.of("/var/lib/tern/volumes"), config.dataDirectory());
        assertEquals(150, config.websocketLogCount());
        assertEquals(150_000, config.diskCheckIntervalMillis());
        assertTrue(config.crashDetectionEnabled());
        assertTrue(config.detectCleanExitAsCrash());
        assertEquals(60_000, config.crashTimeoutMillis());
        assertEquals(2000, config.throttleLines());
        assertEquals(100, config.throttleIntervalMillis());
        assertFalse(config.requireScope());
        assertTrue(config.compression());
        assertEquals(30_000, config.authTimeoutMillis());
        assertEquals(60_000, config.reauthGraceMillis());
        assertEquals(30, config.maxConnectionsPerServer());
        assertEquals(List.of(), config.servers());
        assertEquals(PerfProfile.DEFAULT_IO_THREADS, config.ioThreads());
        assertEquals(16384, config.bufferSize());
        assertTrue(warnings.isEmpty());
    }

    @Test
    void appliesServerDefaults() throws Exception
    {
        final DaemonConfig config = ConfigLoader.load(write(
            "token: " + TOKEN + "\nservers:\n  - uuid: " + UUID_A + "\n    invocation: ./start.sh\n"), PerfProfile.defaults());
        final ServerDefinition server = config.servers().get(0);
        assertEquals(Map.of(), server.environment());
        assertEquals(ServerDefinition.StopType.SIGNAL, server.stopType());
        assertEquals("SIGTERM", server.stopValue());
        assertEquals(List.of(), server.done());
        assertEquals(0, server.memoryLimitMib());
        assertFalse(server.suspended());
    }

    @Test
    void acceptsDurationsAsNumbersOrText() throws Exception
    {
        final DaemonConfig config = ConfigLoader.load(write(
            "token: " + TOKEN + "\nwebsocket:\n  auth_timeout: 45\n  reauth_grace: 500ms\n" +
            "system:\n  disk_check_interval: 0\nthrottles:\n  line_reset_interval: 1s\n"), PerfProfile.defaults());
        assertEquals(45_000, config.authTimeoutMillis());
        assertEquals(500, config.reauthGraceMillis());
        assertEquals(0, config.diskCheckIntervalMillis());
        assertEquals(1_000, config.throttleIntervalMillis());
    }

    @Test
    void normalisesSignalNames() throws Exception
    {
        for (final String[] pair : new String[][]{
            {"SIGTERM", "SIGTERM"}, {"term", "SIGTERM"}, {"sigkill", "SIGKILL"}, {"^C", "SIGINT"}, {"C", "SIGINT"}, {"HUP", "SIGHUP"}})
        {
            final DaemonConfig config = ConfigLoader.load(write(server("stop: {type: signal, value: \"" + pair[0] + "\"}")),
                PerfProfile.defaults());
            assertEquals(pair[1], config.servers().get(0).stopValue(), pair[0]);
        }
    }

    @Test
    void readsTheTokenFromAFile() throws Exception
    {
        Files.writeString(temp.resolve("token.txt"), TOKEN + "\n");
        final DaemonConfig config = ConfigLoader.load(write("token: file://token.txt\n"), PerfProfile.defaults());
        assertArrayEquals(TOKEN.getBytes(StandardCharsets.UTF_8), config.token());
        final DaemonConfig absolute = ConfigLoader.load(
            write("token: file://" + temp.resolve("token.txt").toAbsolutePath() + "\n"), PerfProfile.defaults());
        assertArrayEquals(TOKEN.getBytes(StandardCharsets.UTF_8), absolute.token());
    }

    @Test
    void hidesTheTokenFromLogLines() throws Exception
    {
        final String secret = "a-token-that-is-only-used-by-this-one-test-0123456789";
        ConfigLoader.load(write("token: " + secret + "\n"), PerfProfile.defaults());
        assertEquals("key is [redacted]", DaemonLog.redact("key is " + secret));
    }

    @Test
    void warnsAboutAShortToken() throws Exception
    {
        ConfigLoader.load(write("token: short\n"), PerfProfile.defaults());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).getMessage().contains("token is {1} characters long"));
        assertEquals(5, warnings.get(0).getParameters()[1]);
    }

    @Test
    void rejectsAMissingToken() throws Exception
    {
        assertError("app_name: Tern\n", "token is required");
        assertError("", "token is required");
        assertError("token:\n", "token is required");
        assertError("token: \"  \"\n", "token must not be empty");
    }

    @Test
    void neverQuotesTheTokenInAnError() throws Exception
    {
        assertError("token: 123456789012345\n", "token must be a string, not a number");
        assertError("token: [a, b]\n", "token must be a string, not a list");
        assertError("token: file://missing.txt\n",
            "token names " + temp.resolve("missing.txt") + ", which cannot be read: NoSuchFileException");
    }

    @Test
    void rejectsAnUnknownStopType() throws Exception
    {
        assertError("token: " + TOKEN + "\nservers:\n" +
                "  - uuid: " + UUID_A + "\n    invocation: ./a.sh\n" +
                "  - uuid: " + UUID_B + "\n    invocation: ./b.sh\n    stop:\n      type: sigterm\n",
            "servers[1].stop.type must be \"command\" or \"signal\", not \"sigterm\"");
    }

    @Test
    void rejectsADuplicateUuid() throws Exception
    {
        assertError("token: " + TOKEN + "\nservers:\n" +
                "  - uuid: " + UUID_A + "\n    invocation: ./a.sh\n" +
                "  - uuid: " + UUID_A.toUpperCase() + "\n    invocation: ./b.sh\n",
            "servers[1].uuid \"" + UUID_A + "\" is already used by servers[0].uuid");
    }

    @Test
    void rejectsInvalidYamlWithItsPosition() throws Exception
    {
        assertError("token: " + TOKEN + "\napi:\n  port: 8080\n   host: x\n",
            "not valid YAML at line 4, column 8: mapping values are not allowed here");
        assertError("token: " + TOKEN + "\nservers: [\n", "not valid YAML");
        assertError("token: " + TOKEN + "\ntoken: again\n", "not valid YAML at line 2, column 1: found duplicate key token");
        assertError("- token\n- other\n", "the file must be a YAML mapping of keys such as token: and api:, not a list");
    }

    @Test
    void rejectsWrongTypes() throws Exception
    {
        final String t = "token: " + TOKEN + "\n";
        assertError(t + "api:\n  port: \"8080\"\n", "api.port must be a whole number, not \"8080\"");
        assertError(t + "api:\n  port: 80.5\n", "api.port must be a whole number, not 80.5");
        assertError(t + "api: 8080\n", "api must be a mapping of keys, not 8080");
        assertError(t + "system:\n  websocket_log_count: many\n", "system.websocket_log_count must be a whole number, not \"many\"");
        assertError(t + "jwt:\n  require_scope: \"yes\"\n", "jwt.require_scope must be true or false, not \"yes\"");
        assertError(t + "allowed_origins: https://a.example.com\n", "allowed_origins must be a list of strings, not \"https://a.example.com\"");
        assertError(t + "allowed_origins: [1]\n", "allowed_origins[0] must be a string, not 1");
        assertError(t + "app_name: [x]\n", "app_name must be a string, not a list");
        assertError(t + "websocket:\n  auth_timeout: true\n", "websocket.auth_timeout must be a duration such as 500ms, 30s or 10m, not true");
        assertError(t + "servers: {}\n", "servers must be a list, not a mapping");
        assertError(t + "servers: [x]\n", "servers[0] must be a mapping of keys, not \"x\"");
        assertError(server("limits: {memory: lots}"), "servers[0].limits.memory must be a whole number, not \"lots\"");
        assertError(server("suspended: 1"), "servers[0].suspended must be true or false, not 1");
        assertError(server("environment: [A=1]"), "servers[0].environment must be a mapping of names to values, not a list");
        assertError(server("environment: {A: [1]}"), "servers[0].environment.A must be a single value, not a list");
        assertError(server("done: [1]"), "servers[0].done[0] must be a string, not 1");
    }

    @Test
    void rejectsValuesOutOfRange() throws Exception
    {
        final String t = "token: " + TOKEN + "\n";
        assertError(t + "api:\n  port: 70000\n", "api.port must be at most 65535, not 70000");
        assertError(t + "api:\n  port: -1\n", "api.port must be at least 0, not -1");
        assertError(t + "api:\n  host: \"\"\n", "api.host must not be empty");
        assertError(t + "throttles:\n  lines: 0\n", "throttles.lines must be at least 1, not 0");
        assertError(t + "websocket:\n  auth_timeout: 0\n", "websocket.auth_timeout must be at least 1ms, not 0ms");
        assertError(t + "websocket:\n  reauth_grace: soon\n",
            "websocket.reauth_grace must be a duration such as 500ms, 30s or 10m, not \"soon\"");
        assertError(t + "websocket:\n  max_connections_per_server: 0\n", "websocket.max_connections_per_server must be at least 1, not 0");
        assertError(t + "system:\n  disk_check_interval: -5\n", "system.disk_check_interval must not be negative, not -5");
        assertError(t + "system:\n  disk_check_interval: 1500ms\n", "system.disk_check_interval must be a whole number of seconds, not 1500ms");
        assertError(t + "system:\n  crash_detection:\n    enabled: maybe\n", "system.crash_detection.enabled must be true or false, not \"maybe\"");
        assertError(server("limits: {memory: -1}"), "servers[0].limits.memory must be at least 0, not -1");
    }

    @Test
    void rejectsBadServers() throws Exception
    {
        final String t = "token: " + TOKEN + "\nservers:\n";
        assertError(t + "  - invocation: ./a.sh\n", "servers[0].uuid is required");
        assertError(t + "  - uuid: ../../etc\n    invocation: ./a.sh\n",
            "servers[0].uuid must be a uuid such as 8d3f3e2a-3b7c-4c1e-9a53-2f1f9b6c7d10, not \"../../etc\"");
        assertError(t + "  - uuid: " + UUID_A + "\n", "servers[0].invocation is required");
        assertError(server("stop: {type: command}"), "servers[0].stop.value is required");
        assertError(server("stop: {type: signal, value: SIGTREM}"),
            "servers[0].stop.value must be a signal name such as SIGTERM, SIGINT or SIGKILL, not \"SIGTREM\"");
        assertError(server("stop: {type: signal, value: SIGSTOP}"), "servers[0].stop.value must be a signal name");
        assertError(server("done: [\"regex:(unclosed\"]"), "servers[0].done[0] is not a valid regex: Unclosed group");
        assertError(server("done: [\"\"]"), "servers[0].done[0] must not be empty");
        assertError(server("environment: {\"A=B\": x}"), "servers[0].environment has a variable name that is empty or contains '=': \"A=B\"");
    }

    @Test
    void rejectsAMissingFile()
    {
        final Path missing = temp.resolve("nope.yml");
        final ConfigException ex = assertThrows(ConfigException.class, () -> ConfigLoader.load(missing, PerfProfile.defaults()));
        assertEquals("config error in " + missing + ": file not found", ex.getMessage());
    }

    @Test
    void errorsCarryNoStackTrace() throws Exception
    {
        final ConfigException ex = assertThrows(ConfigException.class,
            () -> ConfigLoader.load(write("app_name: x\n"), PerfProfile.defaults()));
        assertEquals(0, ex.getStackTrace().length);
        assertFalse(ex.getMessage().contains("\n"));
    }

    @Test
    void yamlCompressionWinsOverTheProfile() throws Exception
    {
        final PerfProfile noCompression = PerfProfile.parse("p", new StringReader("websocket.compression=false\n"));
        assertFalse(ConfigLoader.load(write("token: " + TOKEN + "\n"), noCompression).compression());
        assertTrue(ConfigLoader.load(write("token: " + TOKEN + "\nwebsocket:\n  compression: true\n"), noCompression).compression());
    }

    private String server(final String extra)
    {
        return "token: " + TOKEN + "\nservers:\n  - uuid: " + UUID_A + "\n    invocation: ./start.sh\n    " + extra + "\n";
    }

    private Path write(final String yaml) throws IOException
    {
        final Path file = temp.resolve("config.yml");
        Files.writeString(file, yaml);
        return file;
    }

    private void assertError(final String yaml, final String expectedDetail) throws IOException
    {
        final Path file = write(yaml);
        final ConfigException ex = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, PerfProfile.defaults()), yaml);
        assertEquals(file.toString(), ex.source());
        assertTrue(ex.detail().startsWith(expectedDetail), "expected: " + expectedDetail + "\n  actual: " + ex.getMessage());
        assertEquals("config error in " + file + ": " + ex.detail(), ex.getMessage());
        assertFalse(ex.getMessage().contains(TOKEN), ex.getMessage());
    }
}
