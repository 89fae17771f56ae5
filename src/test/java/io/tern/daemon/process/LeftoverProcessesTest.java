package io.tern.daemon.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class LeftoverProcessesTest
{
    @TempDir
    Path directory;

    @Test
    void killsEveryTaggedProcessOfTheGivenServersOnly() throws Exception
    {
        final String leftover = UUID.randomUUID().toString();
        final String other = UUID.randomUUID().toString();
        final ProcessTree stale = spawnTagged(leftover);
        final ProcessTree unrelated = spawnTagged(other);
        try
        {
            final List<ProcessHandle> staleTree = awaitTree(stale);

            final Map<String, List<ProcessHandle>> found = LeftoverProcesses.find(List.of(leftover));

            assertEquals(List.of(leftover), new ArrayList<>(found.keySet()));
            assertTrue(found.get(leftover).containsAll(staleTree), found + " holds " + staleTree);

            LeftoverProcesses.killAll(List.of(leftover), Duration.ofSeconds(10));

            assertTrue(staleTree.stream().allMatch(LeftoverProcesses::isGone), "the whole leftover tree is gone");
            assertTrue(stale.process().waitFor(10, TimeUnit.SECONDS));
            assertTrue(unrelated.process().isAlive(), "another server's process is left alone");
            assertFalse(LeftoverProcesses.find(List.of(other)).isEmpty());
            assertTrue(LeftoverProcesses.find(List.of(leftover)).isEmpty());
        }
        finally
        {
            stale.signal(Signal.KILL);
            unrelated.signal(Signal.KILL);
        }
    }

    @Test
    void findsNothingForNoServers()
    {
        assertTrue(LeftoverProcesses.find(List.of()).isEmpty());
        assertTrue(LeftoverProcesses.killAll(List.of(UUID.randomUUID().toString()), Duration.ofSeconds(1)).isEmpty());
    }

    private ProcessTree spawnTagged(final String uuid) throws Exception
    {
        return ProcessTree.spawn("sleep 1000 & sleep 1000 & wait", directory,
            Map.of(LeftoverProcesses.SERVER_UUID_VARIABLE, uuid));
    }

    private static List<ProcessHandle> awaitTree(final ProcessTree tree) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true)
        {
            final List<ProcessHandle> descendants = tree.refreshDescendants();
            if (descendants.size() >= 2)
            {
                final List<ProcessHandle> all = new ArrayList<>(descendants);
                all.add(tree.root());
                return all;
            }
            if (System.nanoTime() > deadline)
            {
                fail("the tree did not start its children");
            }
            Thread.sleep(5);
        }
    }
}
