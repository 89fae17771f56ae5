package io.tern.daemon.cli;

import io.tern.daemon.log.LogLevel;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandLineTest
{
    private static final String SERVER = "8d3f3e2a-3b7c-4c1e-9a53-2f1f9b6c7d10";
    private static final String USER = "2c9b7a1e-0f4d-4a8e-b3c2-6d5e4f3a2b10";

    @Test
    void noArgumentsIsDemoModeOnPort8080() throws UsageException
    {
        final RunCommand run = assertInstanceOf(RunCommand.class, CommandLine.parse());
        assertTrue(run.demo());
        assertNull(run.config());
        assertEquals(8080, run.port());
        assertEquals("balanced", run.profile());
        assertEquals(LogLevel.INFO, run.logLevel());
    }

    @Test
    void portChangesDemoModesPort() throws UsageException
    {
        assertEquals(9000, ((RunCommand)CommandLine.parse("--port", "9000")).port());
        assertEquals(9001, ((RunCommand)CommandLine.parse("--port=9001")).port());
        assertEquals(0, ((RunCommand)CommandLine.parse("--port", "0")).port());
    }

    @Test
    void configSelectsProductionMode() throws UsageException
    {
        final RunCommand run = (RunCommand)CommandLine.parse("--config", "/etc/tern/config.yml");
        assertFalse(run.demo());
        assertEquals(Path.of("/etc/tern/config.yml"), run.config());
        assertEquals("balanced", run.profile());
    }

    @Test
    void profileTakesANameOrAPath() throws UsageException
    {
        assertEquals("low-latency", ((RunCommand)CommandLine.parse("--config", "c.yml", "--profile", "low-latency")).profile());
        assertEquals("/opt/mine.properties", ((RunCommand)CommandLine.parse("--profile=/opt/mine.properties")).profile());
    }

    @Test
    void logLevelIsParsed() throws UsageException
    {
        assertEquals(LogLevel.DEBUG, ((RunCommand)CommandLine.parse("--log-level", "debug")).logLevel());
        assertEquals(LogLevel.WARN, ((RunCommand)CommandLine.parse("--log-level=WARN")).logLevel());
        assertEquals(LogLevel.ERROR, ((RunCommand)CommandLine.parse("--config", "c.yml", "--log-level", "error")).logLevel());
    }

    @Test
    void helpWinsAnywhere() throws UsageException
    {
        final HelpCommand help = assertInstanceOf(HelpCommand.class, CommandLine.parse("--port", "1", "--help"));
        assertTrue(help.text().contains("--config FILE"));
        assertInstanceOf(HelpCommand.class, CommandLine.parse("-h"));
        assertInstanceOf(HelpCommand.class, CommandLine.parse("--bogus", "--help"));
        final HelpCommand tokenHelp = assertInstanceOf(HelpCommand.class, CommandLine.parse("token", "--help"));
        assertTrue(tokenHelp.text().contains("--permissions"));
        assertEquals(CommandLine.usage(), help.text());
    }

    @Test
    void tokenSubcommandParsesItsOptions() throws UsageException
    {
        final TokenCommand token = assertInstanceOf(TokenCommand.class, CommandLine.parse(
            "token", "--config", "/etc/tern/config.yml", "--server", SERVER.toUpperCase(), "--user", USER,
            "--permissions", "websocket.connect, control.console,,control.start", "--ttl", "90s", "--log-level", "warn"));
        assertEquals(Path.of("/etc/tern/config.yml"), token.config());
        assertEquals(SERVER, token.server());
        assertEquals(USER, token.user());
        assertEquals(List.of("websocket.connect", "control.console", "control.start"), token.permissions());
        assertEquals(90_000, token.ttlMillis());
        assertEquals(LogLevel.WARN, token.logLevel());
    }

    @Test
    void tokenSubcommandDefaults() throws UsageException
    {
        final TokenCommand token = (TokenCommand)CommandLine.parse("token", "--config=c.yml", "--server=" + SERVER);
        assertNull(token.user());
        assertEquals(List.of("*"), token.permissions());
        assertEquals(600_000, token.ttlMillis());
        assertEquals(LogLevel.INFO, token.logLevel());
        assertEquals(60_000, ((TokenCommand)CommandLine.parse("token", "--config=c.yml", "--server=" + SERVER, "--ttl", "60")).ttlMillis());
    }

    @Test
    void rejectsBadArguments()
    {
        assertUsage("unknown option --prot", "--prot", "80");
        assertUsage("unexpected argument \"-p\"", "-p", "80");
        assertUsage("unknown command \"serve\"", "serve");
        assertUsage("unexpected argument \"extra\"", "--config", "c.yml", "extra");
        assertUsage("--port must be a port number from 0 to 65535, not \"http\"", "--port", "http");
        assertUsage("--port must be a port number from 0 to 65535, not \"65536\"", "--port", "65536");
        assertUsage("--port needs a value", "--port");
        assertUsage("--config needs a value", "--config", "--port", "1");
        assertUsage("--config needs a value", "--config=");
        assertUsage("--port is given twice", "--port", "1", "--port", "2");
        assertUsage("--port is for demo mode only", "--config", "c.yml", "--port", "1");
        assertUsage("--log-level must be error, warn, info or debug, not \"trace\"", "--log-level", "trace");
        assertUsage("--server is an option of the token command only", "--server", SERVER);
    }

    @Test
    void rejectsBadTokenArguments()
    {
        assertUsage("token needs --config FILE", "token", "--server", SERVER);
        assertUsage("token needs --server UUID", "token", "--config", "c.yml");
        assertUsage("--server must be a uuid", "token", "--config", "c.yml", "--server", "abc");
        assertUsage("--user must be a uuid", "token", "--config", "c.yml", "--server", SERVER, "--user", "42");
        assertUsage("--permissions needs at least one permission", "token", "--config", "c.yml", "--server", SERVER, "--permissions", ",");
        assertUsage("--ttl must be a duration such as 500ms, 30s or 10m, not \"soon\"",
            "token", "--config", "c.yml", "--server", SERVER, "--ttl", "soon");
        assertUsage("--ttl must be at least 1s", "token", "--config", "c.yml", "--server", SERVER, "--ttl", "0");
        assertUsage("--port is not an option of the token command", "token", "--config", "c.yml", "--server", SERVER, "--port", "1");
        assertUsage("--profile is not an option of the token command", "token", "--profile", "x");
    }

    private static void assertUsage(final String expectedStart, final String... args)
    {
        final UsageException ex = assertThrows(UsageException.class, () -> CommandLine.parse(args), String.join(" ", args));
        assertTrue(ex.getMessage().startsWith(expectedStart), "expected: " + expectedStart + "\n  actual: " + ex.getMessage());
        assertTrue(ex.getMessage().endsWith("(run with --help for usage)"), ex.getMessage());
        assertEquals(0, ex.getStackTrace().length);
    }
}
