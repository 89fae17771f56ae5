package io.tern.daemon.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One started server invocation and every process it spawns: the unit that Tern signals, kills
 * and measures, standing in for Wings' container (PROTOCOL.md Part I.4).
 *
 * <p>The invocation runs as {@code /bin/sh -c <invocation>} in the server directory, with stdout and
 * stderr merged. When {@code setsid} is installed the shell is started in its own session and
 * process group, so the whole tree, including children orphaned after the shell exits, can be
 * signalled through the group; descendants seen by {@link #refreshDescendants()} are signalled
 * individually as well, for processes that left the group.
 *
 * <p>Thread safety: immutable apart from the remembered descendants (a volatile snapshot); any
 * thread may signal. Signalling with anything but {@link Signal#KILL}, and killing a process group,
 * runs the shell's {@code kill} builtin, so it costs a fork and must stay off latency-sensitive
 * threads.
 */
public final class ProcessTree
{
    private static final String SHELL = "/bin/sh";
    private static final String SETSID = locateSetsid();
    private static final long KILL_COMMAND_TIMEOUT_MILLIS = 5_000;

    private final Process process;
    private final ProcessHandle root;
    private final boolean ownGroup;
    private volatile List<ProcessHandle> knownDescendants = List.of();

    private ProcessTree(final Process process, final boolean ownGroup)
    {
        this.process = process;
        this.root = process.toHandle();
        this.ownGroup = ownGroup;
    }

    /**
     * Starts {@code /bin/sh -c invocation} in {@code directory} with the daemon's environment plus
     * {@code environment}, stdout and stderr merged into {@link Process#getInputStream()}.
     *
     * @param invocation  the startup command line.
     * @param directory   the working directory; must exist.
     * @param environment variables to add or override; {@code null} values are skipped.
     * @return the started tree.
     * @throws IOException when the shell cannot be started (e.g. the directory is missing).
     */
    public static ProcessTree spawn(final String invocation, final Path directory, final Map<String, String> environment)
        throws IOException
    {
        final List<String> command = new ArrayList<>(4);
        if (SETSID != null)
        {
            // A child of the JVM is never a process group leader, so setsid(1) calls setsid(2) and execs
            // without forking: the shell keeps the pid Java knows, and that pid names the new group.
            command.add(SETSID);
        }
        command.add(SHELL);
        command.add("-c");
        command.add(invocation);
        final ProcessBuilder builder = new ProcessBuilder(command)
            .directory(directory.toFile())
            .redirectErrorStream(true);
        if (environment != null)
        {
            final Map<String, String> env = builder.environment();
            for (final Map.Entry<String, String> entry : environment.entrySet())
            {
                if (entry.getKey() != null && entry.getValue() != null)
                {
                    env.put(entry.getKey(), entry.getValue());
                }
            }
        }
        return new ProcessTree(builder.start(), SETSID != null);
    }

    /**
     * @return the JDK process of the root shell; its input stream is the merged console output.
     */
    public Process process()
    {
        return process;
    }

    /**
     * @return the root process id (also the process group id when {@code setsid} is available).
     */
    public long pid()
    {
        return root.pid();
    }

    /**
     * @return the root process handle.
     */
    public ProcessHandle root()
    {
        return root;
    }

    /**
     * Lists the live descendants of the root and remembers them, so that they can still be killed
     * after the root exits and they are re-parented. Scans {@code /proc}; call about once a second.
     *
     * @return the descendants, possibly empty.
     */
    public List<ProcessHandle> refreshDescendants()
    {
        return refreshDescendants(null);
    }

    /**
     * {@link #refreshDescendants()} from the process table of a sampling pass.
     *
     * @param table the sampler's table ({@link ProcessTreeUsage#scanProcessTable()}), or {@code null} to scan {@code /proc}.
     * @return the descendants, possibly empty.
     */
    public List<ProcessHandle> refreshDescendants(final ProcessTreeUsage table)
    {
        if (!root.isAlive())
        {
            return knownDescendants;
        }
        final List<ProcessHandle> descendants = new ArrayList<>();
        if (table != null)
        {
            table.descendantsOf(root, descendants);
        }
        else
        {
            root.descendants().forEach(descendants::add);
        }
        knownDescendants = descendants;
        return descendants;
    }

    /**
     * Sends {@code signal} to the whole tree: the descendants (children first), the root, and the
     * process group. {@link Signal#KILL} is delivered to known processes directly, root first so
     * nothing is respawned, then to the group.
     *
     * @param signal the signal.
     */
    public void signal(final Signal signal)
    {
        final List<ProcessHandle> targets = new ArrayList<>(refreshDescendants());
        for (final ProcessHandle known : knownDescendants)
        {
            if (!targets.contains(known))
            {
                targets.add(known);
            }
        }
        if (signal == Signal.KILL)
        {
            root.destroyForcibly();
            for (final ProcessHandle target : targets)
            {
                target.destroyForcibly();
            }
            if (ownGroup)
            {
                runKill(signal, List.of());
            }
            return;
        }
        targets.add(root);
        runKill(signal, targets);
    }

    /**
     * Kills whatever is left of the tree once the root has exited, as a container's processes die
     * with its init process.
     */
    public void killRemaining()
    {
        signal(Signal.KILL);
    }

    private void runKill(final Signal signal, final List<ProcessHandle> targets)
    {
        final List<String> command = new ArrayList<>(targets.size() + 6);
        command.add(SHELL);
        command.add("-c");
        command.add("kill -s \"$0\" -- \"$@\" 2>/dev/null");
        command.add(signal.name());
        for (final ProcessHandle target : targets)
        {
            if (target.isAlive())
            {
                command.add(Long.toString(target.pid()));
            }
        }
        if (ownGroup)
        {
            command.add("-" + root.pid());
        }
        if (command.size() == 4)
        {
            return;
        }
        try
        {
            final Process kill = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
            kill.getOutputStream().close();
            if (!kill.waitFor(KILL_COMMAND_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS))
            {
                kill.destroyForcibly();
            }
        }
        catch (final IOException ex)
        {
            // No shell could be forked (e.g. the process limit is reached). SIGTERM is the one other
            // signal the JDK can send itself; the caller's SIGKILL after its timeout still follows.
            if (signal == Signal.TERM)
            {
                for (final ProcessHandle target : targets)
                {
                    target.destroy();
                }
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static String locateSetsid()
    {
        for (final String candidate : new String[]{ "/usr/bin/setsid", "/bin/setsid" })
        {
            if (Files.isExecutable(Path.of(candidate)))
            {
                return candidate;
            }
        }
        return null;
    }
}
