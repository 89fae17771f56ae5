package io.tern.benchmarks.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The daemon process seen from outside: its RSS ({@code /proc/<pid>/status} VmRSS), its live heap
 * ({@code jcmd <pid> GC.run} then {@code GC.heap_info}: a full GC, so call it only outside the
 * measured window) and its CPU time.
 */
final class DaemonProcess
{
    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    private final long pid;
    private final ProcessHandle handle;

    private DaemonProcess(final long pid)
    {
        this.pid = pid;
        this.handle = ProcessHandle.of(pid).orElse(null);
    }

    /**
     * @param pid the pid given on the command line, or 0 to look for the one Tern daemon.
     * @param hint a string the command line should contain when several daemons run (the config file name), or null.
     * @return the daemon, or empty with a message on stderr.
     */
    static Optional<DaemonProcess> find(final long pid, final String hint)
    {
        if (pid > 0)
        {
            return Optional.of(new DaemonProcess(pid));
        }
        final long self = ProcessHandle.current().pid();
        final List<ProcessHandle> daemons = ProcessHandle.allProcesses()
            .filter(p -> p.pid() != self)
            .filter(p -> p.info().commandLine().map(c -> c.contains("tern.jar") || c.contains("io.tern.daemon.Main")).orElse(false))
            .filter(p -> p.info().commandLine().map(c -> !c.contains("io.tern.daemon.bench.") && !c.contains("io.tern.daemon.demo."))
                .orElse(false))
            .toList();
        List<ProcessHandle> chosen = daemons;
        if (daemons.size() > 1 && hint != null)
        {
            chosen = daemons.stream().filter(p -> p.info().commandLine().map(c -> c.contains(hint)).orElse(false)).toList();
        }
        if (chosen.size() == 1)
        {
            return Optional.of(new DaemonProcess(chosen.get(0).pid()));
        }
        System.err.println("note: " + (chosen.isEmpty() ? "no" : chosen.size()) + " Tern daemon process(es) found; give --pid to report"
            + " its RSS, heap and CPU");
        return Optional.empty();
    }

    long pid()
    {
        return pid;
    }

    /** @return VmRSS in bytes, or -1. */
    long rssBytes()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.US_ASCII))
            {
                if (line.startsWith("VmRSS:"))
                {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
        return -1;
    }

    /** @return CPU time used so far, or zero when unknown. */
    Duration cpu()
    {
        return handle == null ? Duration.ZERO : handle.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /**
     * Forces a full GC in the daemon and reads the used heap (young + old, or G1's one figure; metaspace excluded).
     *
     * @return used heap in bytes, or -1 when jcmd failed.
     */
    long liveHeapBytes()
    {
        if (jcmd("GC.run") == null)
        {
            return -1;
        }
        final String info = jcmd("GC.heap_info");
        if (info == null)
        {
            return -1;
        }
        long used = 0;
        boolean found = false;
        for (final String line : info.split("\n"))
        {
            final String trimmed = line.trim();
            if (trimmed.startsWith("Metaspace") || trimmed.startsWith("class space") || !trimmed.contains("total"))
            {
                continue;
            }
            final Matcher matcher = USED.matcher(trimmed);
            if (matcher.find())
            {
                used += Long.parseLong(matcher.group(1)) * 1024;
                found = true;
            }
        }
        return found ? used : -1;
    }

    private String jcmd(final String command)
    {
        try
        {
            final Process process = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0)
            {
                System.err.println("note: jcmd " + pid + " " + command + " failed: " + output.strip());
                return null;
            }
            return output;
        }
        catch (final IOException ex)
        {
            System.err.println("note: cannot run jcmd: " + ex.getMessage());
            return null;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
