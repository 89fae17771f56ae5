package io.tern.daemon.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Finds and kills game-server processes that outlived the daemon that started them: a tree left
 * running by {@code system.detach_on_shutdown}, or by a daemon that died without stopping its
 * servers. Tern cannot re-attach to such a process (its console was a pipe to the old daemon), and
 * starting the server again beside it would run two copies on one directory and port.
 *
 * <p>Every process Tern spawns for a server carries {@link #SERVER_UUID_VARIABLE}{@code =<uuid>} in
 * its environment (Wings sets the same variable in its containers), and children inherit it. A
 * process is a leftover of a server when {@code /proc/<pid>/environ} (its environment as it was
 * exec'd, readable only for this user's processes) holds that variable with the server's uuid. The
 * calling JVM and its ancestors are never taken, even when they carry the variable.
 *
 * <p>Meant for daemon boot, before any server starts (afterwards it would find the servers' own
 * processes). Blocking; any thread; one pass over {@code /proc}.
 */
public final class LeftoverProcesses
{
    /** The environment variable that tags a server's processes with the server's uuid. */
    public static final String SERVER_UUID_VARIABLE = "P_SERVER_UUID";

    private static final long POLL_MILLIS = 10;

    private LeftoverProcesses()
    {
    }

    /**
     * Lists the live processes tagged with one of {@code uuids}.
     *
     * @param uuids the servers to look for.
     * @return for each server that has some, its processes.
     */
    public static Map<String, List<ProcessHandle>> find(final Collection<String> uuids)
    {
        final Map<String, List<ProcessHandle>> found = new HashMap<>();
        if (uuids.isEmpty())
        {
            return found;
        }
        final Map<String, String> wanted = new HashMap<>();
        for (final String uuid : uuids)
        {
            wanted.put(SERVER_UUID_VARIABLE + "=" + uuid, uuid);
        }
        final Set<Long> excluded = selfAndAncestors();
        ProcessHandle.allProcesses().forEach(process ->
        {
            if (excluded.contains(process.pid()))
            {
                return;
            }
            final String uuid = taggedUuid(process.pid(), wanted);
            if (uuid != null)
            {
                found.computeIfAbsent(uuid, key -> new ArrayList<>()).add(process);
            }
        });
        return found;
    }

    /**
     * SIGKILLs every live process tagged with one of {@code uuids} and waits up to {@code wait} for
     * them to be gone.
     *
     * @param uuids the servers whose leftovers to kill.
     * @param wait  how long to wait for the processes to exit.
     * @return the processes killed, by server; empty when there were none.
     */
    public static Map<String, List<ProcessHandle>> killAll(final Collection<String> uuids, final Duration wait)
    {
        final Map<String, List<ProcessHandle>> found = find(uuids);
        final List<ProcessHandle> all = new ArrayList<>();
        for (final List<ProcessHandle> processes : found.values())
        {
            all.addAll(processes);
        }
        for (final ProcessHandle process : all)
        {
            process.destroyForcibly();
        }
        final long deadline = System.nanoTime() + wait.toNanos();
        while (!all.stream().allMatch(LeftoverProcesses::isGone) && System.nanoTime() < deadline)
        {
            try
            {
                TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return found;
    }

    /**
     * @param process a process.
     * @return true when it has exited or is a zombie waiting for a parent that is not this JVM.
     */
    public static boolean isGone(final ProcessHandle process)
    {
        if (!process.isAlive())
        {
            return true;
        }
        try
        {
            final String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"), StandardCharsets.US_ASCII);
            final int close = stat.lastIndexOf(')');
            return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) == 'Z';
        }
        catch (final IOException ex)
        {
            return true;
        }
    }

    private static String taggedUuid(final long pid, final Map<String, String> wanted)
    {
        final byte[] environ;
        try
        {
            environ = Files.readAllBytes(Path.of("/proc/" + pid + "/environ"));
        }
        catch (final IOException | SecurityException ex)
        {
            // Gone already, or another user's process: not ours either way.
            return null;
        }
        int start = 0;
        for (int i = 0; i <= environ.length; i++)
        {
            if (i == environ.length || environ[i] == 0)
            {
                if (i > start)
                {
                    final String entry = new String(environ, start, i - start, StandardCharsets.UTF_8);
                    final String uuid = wanted.get(entry);
                    if (uuid != null)
                    {
                        return uuid;
                    }
                }
                start = i + 1;
            }
        }
        return null;
    }

    private static Set<Long> selfAndAncestors()
    {
        final Set<Long> pids = new HashSet<>();
        ProcessHandle process = ProcessHandle.current();
        while (process != null && pids.add(process.pid()))
        {
            process = process.parent().orElse(null);
        }
        return pids;
    }
}
