package io.tern.daemon;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the {@code tern} command line through {@link Main#run} as a user would type it: help, bad
 * arguments and bad configs (exit 2 with one line, never a stack trace) and the {@code token}
 * subcommand. Never starts a daemon: {@code Main.run} with a valid run config blocks until shutdown.
 */
class MainTest
{
    private static final String KEY = "main-test-node-token-0123456789abcdefghijklmn";
    private static final String SERVER = "8d3f3e2a-3b7c-4c1e-9a53-2f1f9b6c7d10";
    private static final String OTHER_SERVER = "5b0e6c1a-9d2f-4e3b-8a71-0c4d2e6f8a90";
    private static final String USER = "2c7a0b8e-6d61-4c55-9a30-1f0c9d2b7e11";
    private static final String HELP_HINT = " (run with --help for usage)";
    private static final String JWT_SHAPE = "[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+";

    @TempDir
    Path directory;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void helpPrintsUsageAndExitsZero()
    {
        assertEquals(0, run("--help"));

        final String usage = text(out);
        assertTrue(usage.startsWith("Usage:"), usage);
        assertTrue(usage.contains("--config FILE"), usage);
        assertTrue(usage.contains("token --config FILE --server UUID"), usage);
        assertFalse(usage.endsWith("\n\n"), "no blank line after the usage text");
        assertEquals("", text(err));
    }

    @Test
    void tokenHelpPrintsTheTokenUsage()
    {
        assertEquals(0, run("token", "--help"));

        final String usage = text(out);
        assertTrue(usage.contains("--permissions P,P,..."), usage);
        assertTrue(usage.contains("--ttl DURATION"), usage);
        assertEquals("", text(err));
    }

    @Test
    void unknownOptionIsOneLineAndExitTwo()
    {
        assertEquals(Main.EXIT_USAGE, run("--frobnicate", "yes"));

        assertEquals(List.of("unknown option --frobnicate" + HELP_HINT), oneLineError());
        assertEquals("", text(out));
    }

    @Test
    void unknownCommandIsOneLineAndExitTwo()
    {
        assertEquals(Main.EXIT_USAGE, run("start"));

        assertEquals(List.of("unknown command \"start\"; the only command is token" + HELP_HINT), oneLineError());
    }

    @Test
    void missingConfigFileNamesTheFile()
    {
        final Path missing = directory.resolve("absent.yml");

        assertEquals(Main.EXIT_USAGE, run("--config", missing.toString()));

        assertEquals(List.of("config error in " + missing + ": file not found"), oneLineError());
    }

    @Test
    void badYamlNamesTheFileAndThePosition() throws IOException
    {
        final Path config = write("token: [unclosed\napi: {port: 1\n");

        assertEquals(Main.EXIT_USAGE, run("--config", config.toString()));

        final String line = oneLineError().get(0);
        assertTrue(line.startsWith("config error in " + config + ": not valid YAML at line "), line);
    }

    @Test
    void configWithoutTokenNamesTheKey() throws IOException
    {
        final Path config = write("api: {host: 127.0.0.1, port: 0}\nservers: []\n");

        assertEquals(Main.EXIT_USAGE, run("--config", config.toString()));

        assertEquals(List.of("config error in " + config + ": token is required"), oneLineError());
    }

    @Test
    void duplicateServerUuidNamesBothEntries() throws IOException
    {
        final Path config = write(base()
            + "  - {uuid: " + SERVER + ", invocation: 'exec cat'}\n"
            + "  - {uuid: " + SERVER.toUpperCase() + ", invocation: 'exec cat'}\n");

        assertEquals(Main.EXIT_USAGE, run("--config", config.toString()));

        assertEquals(List.of("config error in " + config + ": servers[1].uuid \"" + SERVER + "\" is already used by servers[0].uuid"),
            oneLineError());
    }

    @Test
    void unknownStopTypeNamesTheKeyAndTheValue() throws IOException
    {
        final Path config = write(base()
            + "  - {uuid: " + SERVER + ", invocation: 'exec cat', stop: {type: sigterm}}\n");

        assertEquals(Main.EXIT_USAGE, run("--config", config.toString()));

        assertEquals(List.of("config error in " + config + ": servers[0].stop.type must be \"command\" or \"signal\", not \"sigterm\""),
            oneLineError());
    }

    @Test
    void tokenPrintsOneJwtLikeAPanelIssues() throws IOException
    {
        final Path config = write(base() + "  - {uuid: " + SERVER + ", invocation: 'exec cat'}\n");
        final long before = System.currentTimeMillis() / 1000;

        assertEquals(0, run("token", "--config", config.toString(), "--server", SERVER,
            "--permissions", "websocket.connect,control.console", "--ttl", "5m"));

        final long after = System.currentTimeMillis() / 1000;
        assertEquals("", text(err));
        final List<String> lines = text(out).lines().toList();
        assertEquals(1, lines.size(), text(out));
        assertTrue(lines.get(0).matches(JWT_SHAPE), lines.get(0));
        final DecodedJWT jwt = JWT.decode(lines.get(0));
        assertEquals("HS256", jwt.getAlgorithm());
        Algorithm.HMAC256(KEY).verify(jwt);
        assertEquals(SERVER, jwt.getClaim("server_uuid").asString());
        assertEquals(List.of("websocket.connect", "control.console"), jwt.getClaim("permissions").asList(String.class));
        assertEquals("websocket", jwt.getClaim("scope").asString());
        final long iat = jwt.getClaim("iat").asLong();
        assertTrue(iat >= before && iat <= after, iat + " not in [" + before + ", " + after + "]");
        assertEquals(300, jwt.getClaim("exp").asLong() - iat);
        assertEquals(iat - 300, jwt.getClaim("nbf").asLong());
        assertTrue(jwt.getClaim("user_uuid").asString().matches("[0-9a-f-]{36}"), "a user uuid is always set");
    }

    @Test
    void tokenUsesTheGivenUserAndLowerCasesTheServer() throws IOException
    {
        final Path config = write(base() + "  - {uuid: " + SERVER + ", invocation: 'exec cat'}\n");

        assertEquals(0, run("token", "--config=" + config, "--server=" + SERVER.toUpperCase(), "--user=" + USER));

        final DecodedJWT jwt = JWT.decode(text(out).strip());
        assertEquals(SERVER, jwt.getClaim("server_uuid").asString());
        assertEquals(USER, jwt.getClaim("user_uuid").asString());
        assertEquals(List.of("*"), jwt.getClaim("permissions").asList(String.class));
        assertEquals(600, jwt.getClaim("exp").asLong() - jwt.getClaim("iat").asLong());
    }

    @Test
    void tokenForAServerNotInTheConfigIsExitTwo() throws IOException
    {
        final Path config = write(base() + "  - {uuid: " + SERVER + ", invocation: 'exec cat'}\n");

        assertEquals(Main.EXIT_USAGE, run("token", "--config", config.toString(), "--server", OTHER_SERVER));

        final String line = oneLineError().get(0);
        assertTrue(line.startsWith("config error in " + config + ": servers has no server " + OTHER_SERVER), line);
        assertEquals("", text(out));
    }

    @Test
    void tokenWithoutServerIsExitTwo() throws IOException
    {
        final Path config = write(base() + "  - {uuid: " + SERVER + ", invocation: 'exec cat'}\n");

        assertEquals(Main.EXIT_USAGE, run("token", "--config", config.toString()));

        assertEquals(List.of("token needs --server UUID, the server the token is for" + HELP_HINT), oneLineError());
        assertEquals("", text(out));
    }

    @Test
    void demoBannerPrintsOneUrlThatOpensTheConsoleSignedIn()
    {
        final String banner = Main.demoBanner("127.0.0.1:8080", SERVER, "demo-node-token");

        final List<String> urls = banner.lines().filter(line -> line.contains("://")).toList();
        assertEquals(List.of("    http://127.0.0.1:8080/console/" + SERVER + "#token=demo-node-token"), urls);
        assertEquals(1, banner.split("://", -1).length - 1, banner);
        assertTrue(banner.contains("/api/servers/" + SERVER + "/ws/token"), banner);
    }

    private int run(final String... args)
    {
        try (PrintStream stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream stderr = new PrintStream(err, true, StandardCharsets.UTF_8))
        {
            return Main.run(args, stdout, stderr);
        }
    }

    /** Asserts stderr is exactly one line and not a stack trace, and returns it. */
    private List<String> oneLineError()
    {
        final String text = text(err);
        assertTrue(text.endsWith(System.lineSeparator()), "ends with a newline: " + text);
        final List<String> lines = text.lines().toList();
        assertEquals(1, lines.size(), text);
        assertFalse(text.contains("Exception"), text);
        assertFalse(text.contains("at io."), text);
        return lines;
    }

    private String base()
    {
        return "token: " + KEY + "\n"
            + "api: {host: 127.0.0.1, port: 0}\n"
            + "system: {data: " + directory.resolve("volumes") + "}\n"
            + "servers:\n";
    }

    private Path write(final String yaml) throws IOException
    {
        return Files.writeString(directory.resolve("config.yml"), yaml);
    }

    private static String text(final ByteArrayOutputStream stream)
    {
        return stream.toString(StandardCharsets.UTF_8);
    }
}
