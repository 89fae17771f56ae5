package io.tern.daemon;

import io.tern.daemon.cli.Command;
import io.tern.daemon.cli.CommandLine;
import io.tern.daemon.cli.HelpCommand;
import io.tern.daemon.cli.RunCommand;
import io.tern.daemon.cli.TokenCommand;
import io.tern.daemon.cli.UsageException;
import io.tern.daemon.config.ConfigException;
import io.tern.daemon.config.ConfigLoader;
import io.tern.daemon.config.DaemonConfig;
import io.tern.daemon.config.PerfProfile;
import io.tern.daemon.config.ServerDefinition;
import io.tern.daemon.demo.DemoGameServer;
import io.tern.daemon.log.DaemonLog;
import io.tern.daemon.token.TokenMinter;
import io.tern.daemon.web.WebConsole;
import io.tern.engine.server.PowerAction;
import org.agrona.concurrent.SystemEpochNanoClock;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;

/**
 * The {@code tern} command: demo mode with no arguments, production with {@code --config}, and the
 * {@code token} subcommand. User mistakes print one line and exit 2; never a stack trace.
 */
public final class Main
{
    /** Exit status for bad arguments or a bad config. */
    public static final int EXIT_USAGE = 2;
    /** Exit status when the daemon cannot start (e.g. the port is taken). */
    public static final int EXIT_FAILURE = 1;

    private Main()
    {
    }

    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        final int status = run(args, System.out, System.err);
        if (status != 0)
        {
            System.exit(status);
        }
    }

    /**
     * Runs the command; for the daemon commands this returns only when the daemon stops.
     *
     * @param args command line.
     * @param out  where results (URL, token) are printed.
     * @param err  where errors are printed.
     * @return the exit status.
     */
    static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        final Command command;
        try
        {
            command = CommandLine.parse(args);
        }
        catch (final UsageException ex)
        {
            err.println(ex.getMessage());
            return EXIT_USAGE;
        }
        if (command instanceof HelpCommand help)
        {
            out.print(help.text());
            out.flush();
            return 0;
        }
        try
        {
            if (command instanceof TokenCommand token)
            {
                DaemonLog.install(token.logLevel());
                return printToken(token, out);
            }
            final RunCommand run = (RunCommand)command;
            DaemonLog.install(run.logLevel());
            return runDaemon(run, out, err);
        }
        catch (final ConfigException ex)
        {
            err.println(ex.getMessage());
            return EXIT_USAGE;
        }
    }

    private static int printToken(final TokenCommand command, final PrintStream out) throws ConfigException
    {
        final DaemonConfig config = ConfigLoader.load(command.config());
        final boolean known = config.servers().stream().anyMatch(s -> s.uuid().equalsIgnoreCase(command.server()));
        if (!known)
        {
            throw new ConfigException(command.config().toString(),
                "servers has no server " + command.server() + "; token --server must name one of its servers");
        }
        final TokenMinter minter = new TokenMinter(config.token(), config.remote().isEmpty() ? "tern" : config.remote());
        final String user = command.user() == null ? UUID.randomUUID().toString() : command.user();
        final long now = System.currentTimeMillis() / 1000;
        out.println(minter.mint(command.server().toLowerCase(), user, command.permissions(), now,
            Duration.ofMillis(command.ttlMillis())));
        return 0;
    }

    private static int runDaemon(final RunCommand command, final PrintStream out, final PrintStream err)
        throws ConfigException
    {
        final PerfProfile profile = PerfProfile.load(command.profile());
        final DaemonConfig config;
        final String demoToken;
        if (command.demo())
        {
            demoToken = randomToken();
            config = DaemonConfig.demo(command.port(), demoDirectory(), demoToken, demoServer(), profile);
        }
        else
        {
            demoToken = null;
            config = ConfigLoader.load(command.config(), profile);
        }

        final Daemon daemon;
        try
        {
            daemon = Daemon.start(config, new SystemEpochNanoClock());
        }
        catch (final RuntimeException ex)
        {
            err.println("tern: cannot start on " + config.apiHost() + ":" + config.apiPort() + ": " + rootMessage(ex));
            return EXIT_FAILURE;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            daemon.close();
            stopped.countDown();
        }, "tern-shutdown"));

        if (demoToken != null)
        {
            startDemo(daemon, demoToken, out);
        }
        try
        {
            stopped.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static void startDemo(final Daemon daemon, final String nodeToken, final PrintStream out)
    {
        final ServerDefinition server = daemon.config().servers().get(0);
        daemon.server(server.uuid()).power(PowerAction.START, detail ->
            Logger.getLogger("tern.demo").warning("the demo server did not start: " + detail));
        out.print(demoBanner("127.0.0.1:" + daemon.port(), server.uuid(), nodeToken));
        out.flush();
    }

    /**
     * What demo mode prints: exactly one URL, which opens the demo server's console already signed in
     * (the node token in its fragment), then the node token and the routes for scripts, without
     * further URLs to choose from.
     *
     * @param address    {@code host:port} of the listener.
     * @param serverUuid the demo server.
     * @param nodeToken  the node token.
     * @return the lines, each ending in a line separator.
     */
    static String demoBanner(final String address, final String serverUuid, final String nodeToken)
    {
        return String.join(System.lineSeparator(),
            "",
            "Tern demo is running: one demo game server with a live console.",
            "",
            "  Open the console in a browser (already signed in):",
            "    " + WebConsole.signedInConsoleUrl("http://" + address, serverUuid, nodeToken),
            "",
            "  For scripts: node token " + nodeToken,
            "    admin API on the same address with Authorization: Bearer <node token>, e.g. GET /api/servers;",
            "    POST /api/servers/" + serverUuid + "/ws/token mints a token for the websocket /api/servers/" + serverUuid + "/ws",
            "",
            "Stop with Ctrl+C.",
            "");
    }

    private static ServerDefinition demoServer()
    {
        return new ServerDefinition(
            UUID.randomUUID().toString(),
            DemoGameServer.invocation(),
            Map.of(),
            ServerDefinition.StopType.COMMAND,
            DemoGameServer.STOP_COMMAND,
            List.of(DemoGameServer.DONE_STRING),
            1024,
            false);
    }

    private static Path demoDirectory() throws ConfigException
    {
        try
        {
            return Files.createTempDirectory("tern-demo-");
        }
        catch (final IOException ex)
        {
            throw new ConfigException("demo mode", "cannot create a temporary directory for the demo server: " + ex.getMessage());
        }
    }

    private static String randomToken()
    {
        final byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String rootMessage(final Throwable error)
    {
        Throwable cause = error;
        while (cause.getCause() != null)
        {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }
}
