package io.tern.daemon.bench;

import io.tern.engine.fanout.RecordType;
import io.tern.engine.fanout.ServerChannel;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.broadcast.CopyBroadcastReceiver;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticLineSourceTest
{
    private static final long SECOND = 1_000_000_000L;

    @Test
    void publishesTheRatePerServerSpreadEvenlyWithGaplessSequences()
    {
        final ServerChannel a = new ServerChannel("a", 64 * 1024, "Tern");
        final ServerChannel b = new ServerChannel("b", 64 * 1024, "Tern");
        final CopyBroadcastReceiver receiverA = new CopyBroadcastReceiver(a.newReceiver());
        final CopyBroadcastReceiver receiverB = new CopyBroadcastReceiver(b.newReceiver());
        final AtomicLong epoch = new AtomicLong(1_764_424_800_000_000_000L);
        final SyntheticLineSource source = new SyntheticLineSource(100, () -> List.of(a, b), epoch::get);

        final long t0 = 1_000 * SECOND;
        assertEquals(1, source.publishDue(t0), "line 0 is due at once");
        assertEquals(t0 + 5_000_000L, source.nextDueNanos(), "2 servers x 100 lines/s: one line every 5 ms");
        assertEquals(0, source.publishDue(t0 + 4_999_999L));
        epoch.addAndGet(SECOND / 2);
        assertEquals(100, source.publishDue(t0 + SECOND / 2), "lines 1..100 are due by 500 ms");

        final List<BenchLine.Parsed> linesA = drain(receiverA);
        final List<BenchLine.Parsed> linesB = drain(receiverB);
        assertEquals(51, linesA.size());
        assertEquals(50, linesB.size());
        for (int i = 0; i < linesA.size(); i++)
        {
            assertEquals(i, linesA.get(i).seq);
        }
        for (int i = 0; i < linesB.size(); i++)
        {
            assertEquals(i, linesB.get(i).seq);
        }
        assertEquals(1_764_424_800_000_000_000L, linesA.get(0).epochNanos, "stamped with the daemon clock");
        assertEquals(1_764_424_800_500_000_000L, linesB.get(49).epochNanos);
    }

    @Test
    void aChangedServerListRestartsTheScheduleAndKeepsSequences()
    {
        final ServerChannel a = new ServerChannel("a", 64 * 1024, "Tern");
        final ServerChannel b = new ServerChannel("b", 64 * 1024, "Tern");
        final CopyBroadcastReceiver receiverA = new CopyBroadcastReceiver(a.newReceiver());
        final CopyBroadcastReceiver receiverB = new CopyBroadcastReceiver(b.newReceiver());
        final List<ServerChannel> servers = new CopyOnWriteArrayList<>(List.of(a));
        final SyntheticLineSource source = new SyntheticLineSource(10, () -> servers, () -> 7L);
        final long t0 = 50 * SECOND;
        assertEquals(1, source.publishDue(t0));
        assertEquals(9, source.publishDue(t0 + SECOND - 1), "lines 0..9 in the first second");
        servers.add(b);
        assertEquals(1, source.publishDue(t0 + SECOND), "the refresh restarts the schedule: a's line at once");
        assertEquals(19, source.publishDue(t0 + 2 * SECOND - 1), "then one line every 50 ms, alternating b, a");
        final List<BenchLine.Parsed> linesA = drain(receiverA);
        final List<BenchLine.Parsed> linesB = drain(receiverB);
        assertEquals(20, linesA.size());
        assertEquals(10, linesB.size());
        assertEquals(19, linesA.get(19).seq, "a's sequence continues without a gap");
        assertEquals(0, linesB.get(0).seq);
    }

    @Test
    void itsThreadPublishesAtTheRateUntilClosed() throws InterruptedException
    {
        final ServerChannel channel = new ServerChannel("a", 256 * 1024, "Tern");
        final CopyBroadcastReceiver receiver = new CopyBroadcastReceiver(channel.newReceiver());
        final SyntheticLineSource source = new SyntheticLineSource(200, () -> List.of(channel), new SystemEpochNanoClock());
        final long before = new SystemEpochNanoClock().nanoTime();
        final long started = System.nanoTime();
        source.start();
        Thread.sleep(500);
        source.close();
        final double seconds = (System.nanoTime() - started) / 1e9;
        final List<BenchLine.Parsed> lines = drain(receiver);
        assertTrue(lines.size() >= 200 * 0.5 * 0.9 && lines.size() <= 200 * seconds + 2,
            "200 lines/s for " + seconds + " s: " + lines.size());
        for (int i = 0; i < lines.size(); i++)
        {
            assertEquals(i, lines.get(i).seq);
            assertTrue(lines.get(i).epochNanos >= before);
        }
        Thread.sleep(50);
        assertEquals(0, drain(receiver).size(), "nothing after close");
        source.close();
    }

    @Test
    void refusesAZeroRate()
    {
        assertThrows(IllegalArgumentException.class, () -> new SyntheticLineSource(0, List::of, () -> 0L));
    }

    private static List<BenchLine.Parsed> drain(final CopyBroadcastReceiver receiver)
    {
        final List<BenchLine.Parsed> lines = new ArrayList<>();
        while (receiver.receive((type, buffer, offset, length) ->
        {
            assertEquals(RecordType.CONSOLE_OUTPUT, type);
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            final BenchLine.Parsed parsed = new BenchLine.Parsed();
            assertTrue(BenchLine.parse(bytes, 0, length, parsed), new String(bytes));
            lines.add(parsed);
        }) > 0)
        {
            // one record per call
        }
        return lines;
    }
}
