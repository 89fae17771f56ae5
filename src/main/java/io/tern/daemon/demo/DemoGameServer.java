package io.tern.daemon.demo;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * A tiny console game server for the daemon's demo mode and for end-to-end tests: a real child
 * process that behaves like a Minecraft-style server on stdin/stdout. It prints a startup banner
 * ending in a {@link #DONE_STRING} line, a status line every tick, echoes every command, answers
 * {@code help}, {@code say <text>} and {@code list}, and exits with status 0 on {@code stop} or when
 * its stdin closes.
 *
 * <p>Run with {@link #invocation(Duration)}; the only argument is the tick period in milliseconds.
 * Threads: the main thread reads commands, a daemon thread prints ticks; printing is serialized by
 * the stream.
 */
public final class DemoGameServer
{
    /** A done string that matches the banner's last line. */
    public static final String DONE_STRING = "Done (";
    /** The console command that stops the server cleanly. */
    public static final String STOP_COMMAND = "stop";
    /** The default period between tick lines. */
    public static final Duration DEFAULT_TICK_PERIOD = Duration.ofSeconds(5);

    private static final int MAX_PLAYERS = 20;
    private static final String[] PLAYER_NAMES = { "Steve", "Alex", "Tern", "Wren", "Kestrel" };

    private final PrintStream out;
    private final long tickMillis;
    private volatile int tick;

    private DemoGameServer(final PrintStream out, final long tickMillis)
    {
        this.out = out;
        this.tickMillis = tickMillis;
    }

    /**
     * The shell command line that starts the demo server with the java and class path of the current
     * JVM, each quoted for {@code /bin/sh -c}.
     *
     * @param tickPeriod time between tick lines.
     * @return the invocation.
     */
    public static String invocation(final Duration tickPeriod)
    {
        final String java = ProcessHandle.current().info().command()
            .orElse(System.getProperty("java.home") + "/bin/java");
        return shellQuote(java) + " -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx32m -cp " +
            shellQuote(absoluteClassPath()) + " " + DemoGameServer.class.getName() + " " +
            tickPeriod.toMillis();
    }

    /** The server runs in its own directory, so a relative class path (as {@code java -jar} gives) is made absolute. */
    private static String absoluteClassPath()
    {
        final StringBuilder path = new StringBuilder();
        for (final String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        {
            if (path.length() > 0)
            {
                path.append(java.io.File.pathSeparatorChar);
            }
            path.append(java.nio.file.Path.of(entry).toAbsolutePath());
        }
        return path.toString();
    }

    /**
     * @return the invocation with the {@link #DEFAULT_TICK_PERIOD}.
     */
    public static String invocation()
    {
        return invocation(DEFAULT_TICK_PERIOD);
    }

    /**
     * @param args optional tick period in milliseconds (default 5000).
     * @throws IOException when stdin cannot be read.
     */
    public static void main(final String[] args) throws IOException
    {
        final long started = System.nanoTime();
        final long tickMillis = args.length > 0 ? Math.max(1, Long.parseLong(args[0])) : DEFAULT_TICK_PERIOD.toMillis();
        final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        final DemoGameServer server = new DemoGameServer(out, tickMillis);
        server.boot(started);
        server.serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        out.flush();
        System.exit(0);
    }

    private void boot(final long startedNanos)
    {
        out.println("Tern demo game server 1.0");
        out.println("Loading properties");
        out.println("Default game type: SURVIVAL");
        out.println("Loading world...");
        out.println("Preparing spawn area: 100%");
        final double seconds = (System.nanoTime() - startedNanos) / 1e9;
        out.println(String.format(Locale.ROOT, "Done (%.2fs)! For help, type \"help\"", seconds));
        final Thread ticker = new Thread(this::tickForever, "demo-ticker");
        ticker.setDaemon(true);
        ticker.start();
    }

    private void tickForever()
    {
        try
        {
            while (true)
            {
                Thread.sleep(tickMillis);
                final int current = ++tick;
                out.println("[Server] tick " + current + ": " + players(current) + " players online");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void serve(final BufferedReader in) throws IOException
    {
        String line;
        while ((line = in.readLine()) != null)
        {
            final String command = line.trim();
            out.println("> " + command);
            if (command.isEmpty())
            {
                continue;
            }
            final int space = command.indexOf(' ');
            final String name = (space < 0 ? command : command.substring(0, space)).toLowerCase(Locale.ROOT);
            final String rest = space < 0 ? "" : command.substring(space + 1).trim();
            switch (name)
            {
                case "help":
                    out.println("Available commands:");
                    out.println("  help        - show this list");
                    out.println("  say <text>  - broadcast a message");
                    out.println("  list        - list online players");
                    out.println("  stop        - save the world and stop the server");
                    break;
                case "say":
                    out.println("[Server] " + rest);
                    break;
                case "list":
                    final int online = players(tick);
                    final StringBuilder names = new StringBuilder();
                    for (int i = 0; i < online; i++)
                    {
                        names.append(i == 0 ? "" : ", ").append(PLAYER_NAMES[i]);
                    }
                    out.println("There are " + online + " of a max of " + MAX_PLAYERS + " players online: " + names);
                    break;
                case STOP_COMMAND:
                    out.println("Stopping server...");
                    out.println("Saving world...");
                    return;
                default:
                    out.println("Unknown command \"" + name + "\". Type \"help\" for help.");
                    break;
            }
        }
        out.println("Console input closed, stopping server...");
    }

    private static int players(final int tick)
    {
        return (tick * 3) % (PLAYER_NAMES.length + 1);
    }

    private static String shellQuote(final String value)
    {
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
