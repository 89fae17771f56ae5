package io.tern.daemon.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class ProcessTreeTest
{
    @TempDir
    Path directory;

    @Test
    void runsTheInvocationInTheDirectoryWithEnvironmentAndMergedStderr() throws Exception
    {
        final ProcessTree tree = ProcessTree.spawn("pwd; echo \"$GREETING\" >&2", directory, Map.of("GREETING", "hi"));

        final String output = new String(tree.process().getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertEquals(directory.toRealPath() + "\nhi\n", output);
        assertEquals(0, tree.process().waitFor());
    }

    @Test
    void failsToSpawnInAMissingDirectory()
    {
        assertThrows(IOException.class, () -> ProcessTree.spawn("true", directory.resolve("missing"), Map.of()));
    }

    @Test
    void sumsUsageOverTheWholeTreeAndKillsIt() throws Exception
    {
        final ProcessTree tree = ProcessTree.spawn("sleep 30 & sleep 30 & wait", directory, Map.of());
        try
        {
            final List<ProcessHandle> descendants = awaitDescendants(tree, 2);
            final ProcessTreeUsage usage = new ProcessTreeUsage();

            usage.sample(tree.root(), descendants);

            assertEquals(3, usage.processes());
            assertTrue(usage.rssBytes() > 0, "resident memory of three processes");
            assertTrue(usage.cpuTicks() >= 0);

            tree.signal(Signal.KILL);

            assertTrue(tree.process().waitFor(10, TimeUnit.SECONDS));
            assertEquals(128 + 9, tree.process().exitValue());
            awaitGone(descendants);
        }
        finally
        {
            tree.signal(Signal.KILL);
        }
    }

    @Test
    void listsTheSameDescendantsFromOneProcessTableScanAsTheJdk() throws Exception
    {
        // A child, a grandchild and a great-grandchild: the table walk must go deeper than one level.
        final ProcessTree tree = ProcessTree.spawn("sleep 30 & sh -c 'sleep 30 & sh -c \"sleep 30 & wait\" & wait' & wait",
            directory, Map.of());
        try
        {
            final List<ProcessHandle> expected = awaitDescendants(tree, 5);
            final ProcessTreeUsage table = new ProcessTreeUsage();

            table.beginPass();
            final List<ProcessHandle> first = tree.refreshDescendants(table);
            final List<ProcessHandle> again = tree.refreshDescendants(table);
            table.forgetProcessTable();

            assertEquals(pids(expected), pids(first));
            assertEquals(pids(expected), pids(again), "the pass's table is reused");
            assertEquals(pids(expected), pids(tree.refreshDescendants(table)), "after the pass, /proc is scanned again");
        }
        finally
        {
            tree.signal(Signal.KILL);
        }
    }

    private static java.util.Set<Long> pids(final List<ProcessHandle> processes)
    {
        final java.util.Set<Long> pids = new java.util.TreeSet<>();
        processes.forEach(process -> pids.add(process.pid()));
        return pids;
    }

    @Test
    void measuresCpuTimeOfABusyChild() throws Exception
    {
        final ProcessTree tree = ProcessTree.spawn("while :; do :; done", directory, Map.of());
        try
        {
            final ProcessTreeUsage usage = new ProcessTreeUsage();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            do
            {
                usage.sample(tree.root(), tree.refreshDescendants());
            }
            while (usage.cpuTicks() < 5 && System.nanoTime() < deadline);

            assertTrue(usage.cpuTicks() >= 5, "ticks " + usage.cpuTicks());
        }
        finally
        {
            tree.signal(Signal.KILL);
        }
    }

    @Test
    void signalsTheTreeWithTheRequestedSignal() throws Exception
    {
        final ProcessTree tree = ProcessTree.spawn(
            "trap 'echo got HUP; exit 7' HUP; echo ready; while :; do sleep 0.05; done", directory, Map.of());
        try
        {
            final byte[] ready = new byte[6];
            assertEquals(6, tree.process().getInputStream().readNBytes(ready, 0, 6));

            tree.signal(Signal.HUP);

            assertTrue(tree.process().waitFor(10, TimeUnit.SECONDS));
            assertEquals(7, tree.process().exitValue());
        }
        finally
        {
            tree.signal(Signal.KILL);
        }
    }

    private static List<ProcessHandle> awaitDescendants(final ProcessTree tree, final int count) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline)
        {
            final List<ProcessHandle> descendants = tree.refreshDescendants();
            if (descendants.size() >= count)
            {
                return descendants;
            }
            Thread.sleep(5);
        }
        return fail("descendants did not appear");
    }

    private static void awaitGone(final List<ProcessHandle> processes) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline)
        {
            if (processes.stream().allMatch(ProcessTreeTest::isGone))
            {
                return;
            }
            Thread.sleep(5);
        }
        fail("processes still alive: " + processes);
    }

    private static boolean isGone(final ProcessHandle process)
    {
        if (!process.isAlive())
        {
            return true;
        }
        try
        {
            final String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
        }
        catch (final IOException ex)
        {
            return true;
        }
    }
}
