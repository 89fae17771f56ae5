package io.tern.engine.session;

import io.tern.engine.protocol.Frame;
import io.tern.engine.protocol.FrameEncoder;
import io.tern.engine.protocol.FrameKind;
import io.tern.engine.protocol.FramePool;
import io.tern.engine.testing.ManualClock;
import io.tern.engine.testing.RecordingSink;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutboundTest
{
    private final ManualClock clock = new ManualClock(1_800_000_000L);
    private final FramePool pool = new FramePool(64);
    private final FrameEncoder encoder = new FrameEncoder(pool);
    private final RecordingSink sink = new RecordingSink();
    private final AtomicBoolean overflowed = new AtomicBoolean();

    private Outbound outbound(final int budget, final int frames)
    {
        final Outbound outbound = new Outbound(sink, clock::nanoTime, budget, frames,
            missed -> FrameEncoder.constant("daemon message", "missed " + missed, FrameKind.ESSENTIAL),
            () -> overflowed.set(true));
        final Session session = new Session(1, null, sink);
        session.attach(outbound, clock.nanoTime());
        sink.session = session;
        return outbound;
    }

    private Frame line(final String text)
    {
        return encoder.encode("console output", text, FrameKind.LINE);
    }

    @Test
    void deliversInOrderAndRecyclesFrames()
    {
        final Outbound outbound = outbound(1 << 20, 64);
        for (int i = 0; i < 100; i++)
        {
            assertTrue(outbound.offer(line("line " + i)));
        }
        assertEquals(100, sink.frames.size());
        assertEquals("{\"event\":\"console output\",\"args\":[\"line 99\"]}", sink.frames.get(99));
        assertEquals(0, outbound.queuedBytes());
    }

    @Test
    void dropsLinesForASlowClientThenReportsHowManyWhenItDrains()
    {
        final Outbound outbound = outbound(200, 64);
        sink.stall();
        int accepted = 0;
        for (int i = 0; i < 10; i++)
        {
            if (outbound.offer(line("line " + i)))
            {
                accepted++;
            }
        }
        assertTrue(accepted < 10);
        assertTrue(outbound.queuedBytes() <= 200);
        assertTrue(outbound.offer(FrameEncoder.constant("status", "running", FrameKind.ESSENTIAL)));
        sink.resume();
        final List<String> frames = sink.drain();
        assertEquals(accepted + 2, frames.size(), frames.toString());
        assertEquals("{\"event\":\"status\",\"args\":[\"running\"]}", frames.get(accepted));
        assertEquals("{\"event\":\"daemon message\",\"args\":[\"missed " + (10 - accepted) + "\"]}", frames.get(accepted + 1));
        assertEquals(10 - accepted, outbound.droppedLines());
    }

    @Test
    void keepsOnlyTheNewestStatsPastTheBudget()
    {
        final Outbound outbound = outbound(100, 64);
        sink.stall();
        outbound.offer(line("x".repeat(60)));
        for (int i = 0; i < 5; i++)
        {
            outbound.offer(encoder.encode("stats", "{\"n\":" + i + "}", FrameKind.STATS));
        }
        sink.resume();
        final List<String> frames = sink.drain();
        assertEquals(2, frames.size());
        assertEquals("{\"event\":\"stats\",\"args\":[\"{\\\"n\\\":4}\"]}", frames.get(1));
    }

    @Test
    void essentialFramesAreNeverDroppedForBudgetButOverflowClosesTheSession()
    {
        final Outbound outbound = outbound(10, 4);
        sink.stall();
        for (int i = 0; i < Outbound.MAX_IN_FLIGHT + 4; i++)
        {
            assertTrue(outbound.offer(FrameEncoder.constant("status", "running", FrameKind.ESSENTIAL)));
        }
        assertFalse(overflowed.get());
        assertFalse(outbound.offer(FrameEncoder.constant("status", "running", FrameKind.ESSENTIAL)));
        assertTrue(overflowed.get());
    }

    @Test
    void reportsAStallOnlyAfterTheWriteTimeout()
    {
        final Outbound outbound = outbound(1 << 20, 64);
        sink.stall();
        outbound.offer(line("a"));
        clock.advanceSeconds(30);
        assertFalse(outbound.isStalled(clock.nanoTime(), 30_000_000_000L));
        clock.advanceMillis(1);
        assertTrue(outbound.isStalled(clock.nanoTime(), 30_000_000_000L));
    }

    @Test
    void closedQueueReleasesFramesBackToThePool()
    {
        final Outbound outbound = outbound(1 << 20, 64);
        sink.stall();
        final Frame first = line("a");
        final Frame second = line("b");
        outbound.offer(first);
        outbound.offer(second);
        outbound.close();
        sink.resume();
        assertEquals(0, first.refCount());
        assertEquals(0, second.refCount());
        assertFalse(outbound.offer(line("c")));
    }
}
