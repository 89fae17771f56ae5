package io.tern.engine.session;

import io.tern.engine.protocol.Frame;
import io.tern.engine.protocol.FrameEncoder;
import io.tern.engine.protocol.FrameKind;
import io.tern.engine.protocol.FramePool;
import io.tern.engine.testing.ManualClock;
import io.tern.engine.testing.RecordingSink;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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

    @Test
    void frameOfferedBehindQueuedFramesWaitsForThemThenLaterFramesGoStraightToTheSink()
    {
        final TransportSink transport = new TransportSink();
        final Outbound outbound = new Outbound(transport, clock::nanoTime, 1 << 20, 256,
            missed -> FrameEncoder.constant("daemon message", "missed " + missed, FrameKind.ESSENTIAL), () -> overflowed.set(true));
        transport.outbound = outbound;
        transport.inlineCompletions = false;
        for (int i = 0; i < Outbound.MAX_IN_FLIGHT + 3; i++)
        {
            assertTrue(outbound.offer(line("q" + i)));
        }
        assertEquals(Outbound.MAX_IN_FLIGHT, transport.handedOver(), "the window is full, three frames wait in the queue");
        transport.complete(1);
        assertEquals(Outbound.MAX_IN_FLIGHT + 1, transport.handedOver(), "a completion from the transport drains the queue");
        assertTrue(outbound.offer(line("late")));
        assertEquals(Outbound.MAX_IN_FLIGHT + 1, transport.handedOver(), "a new frame does not overtake the queued ones");
        transport.complete(Outbound.MAX_IN_FLIGHT + 3);
        final List<String> written = transport.written();
        assertEquals(Outbound.MAX_IN_FLIGHT + 4, written.size());
        for (int i = 0; i < Outbound.MAX_IN_FLIGHT + 3; i++)
        {
            assertEquals("{\"event\":\"console output\",\"args\":[\"q" + i + "\"]}", written.get(i));
        }
        assertEquals("{\"event\":\"console output\",\"args\":[\"late\"]}", written.get(Outbound.MAX_IN_FLIGHT + 3));
        assertEquals(0, outbound.queuedBytes());

        final Frame direct = line("direct");
        assertTrue(outbound.offer(direct));
        assertEquals(Outbound.MAX_IN_FLIGHT + 5, transport.handedOver(), "an empty queue hands the frame over within offer");
        assertEquals(direct.length(), outbound.queuedBytes(), "a handed-over frame counts against the budget until written");
        transport.complete(1);
        assertEquals(0, outbound.queuedBytes());
        assertEquals(0, direct.refCount());
        assertNull(transport.violation.get());
    }

    @Test
    void closeWaitsForAFrameHandedStraightToTheSink()
    {
        final TransportSink transport = new TransportSink();
        final Outbound outbound = new Outbound(transport, clock::nanoTime, 1 << 20, 64,
            missed -> FrameEncoder.constant("daemon message", "missed " + missed, FrameKind.ESSENTIAL), () -> overflowed.set(true));
        transport.outbound = outbound;
        transport.inlineCompletions = false;
        assertTrue(outbound.offer(FrameEncoder.constant("deleted", null, FrameKind.ESSENTIAL)));
        outbound.closeWhenDrained(1001, "server deleted");
        assertEquals(-1, transport.closeCode, "the frame in flight goes before the Close");
        assertTrue(outbound.offer(line("after close was asked")));
        transport.complete(1);
        assertEquals(-1, transport.closeCode, "a frame queued after closeWhenDrained still goes first");
        transport.complete(1);
        assertEquals(1001, transport.closeCode);
        assertEquals(List.of("{\"event\":\"deleted\"}", "{\"event\":\"console output\",\"args\":[\"after close was asked\"]}"),
            transport.written());
    }

    @Test
    void twoProducersAndAnIoThreadCompletingWritesKeepOrderWindowAndReferences() throws Exception
    {
        final TransportSink transport = new TransportSink();
        final Outbound outbound = new Outbound(transport, clock::nanoTime, 1L << 30, 1 << 16,
            missed -> FrameEncoder.constant("daemon message", "missed " + missed, FrameKind.ESSENTIAL), () -> overflowed.set(true));
        transport.outbound = outbound;
        final int lines = 200_000;
        final int essentials = 20_000;
        final Set<Frame> frames = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread io = new Thread(() ->
        {
            while (running.get())
            {
                transport.writeOut();
                Thread.yield();
            }
        }, "io");
        final Thread fanout = new Thread(() -> produce(outbound, "a", lines, FrameKind.LINE, frames), "fanout");
        final Thread handler = new Thread(() -> produce(outbound, "b", essentials, FrameKind.ESSENTIAL, frames), "handler");
        io.start();
        fanout.start();
        handler.start();
        fanout.join();
        handler.join();
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while ((outbound.queuedBytes() != 0 || transport.handedOver() != transport.reported()) && System.nanoTime() < deadline)
        {
            Thread.sleep(1);
        }
        running.set(false);
        io.join();

        assertEquals(0, outbound.queuedBytes(), "every frame was written: no wake-up was lost");
        assertNull(transport.violation.get());
        assertFalse(overflowed.get());
        int nextA = 0;
        int nextB = 0;
        int a = 0;
        long missed = 0;
        for (final String frame : transport.written())
        {
            if (frame.contains("\"missed "))
            {
                missed += Long.parseLong(frame.replaceAll("\\D", ""));
                continue;
            }
            final String arg = frame.substring(frame.indexOf("[\"") + 2, frame.indexOf("\"]"));
            final int number = Integer.parseInt(arg.substring(1));
            if (arg.charAt(0) == 'a')
            {
                assertTrue(number >= nextA, "line " + number + " after line " + (nextA - 1));
                nextA = number + 1;
                a++;
            }
            else
            {
                assertEquals(nextB, number, "essential frames are never dropped and stay in order");
                nextB++;
            }
        }
        assertEquals(essentials, nextB);
        assertEquals(lines, a + outbound.droppedLines(), "a line is either written or counted as dropped");
        assertEquals(outbound.droppedLines(), missed, "every dropped line is reported");
        for (final Frame frame : frames)
        {
            assertEquals(0, frame.refCount(), "every reference was given back");
        }
    }

    private static void produce(final Outbound outbound, final String prefix, final int count, final int kind, final Set<Frame> frames)
    {
        final FrameEncoder own = new FrameEncoder(new FramePool(1024));
        for (int i = 0; i < count; i++)
        {
            final Frame frame = own.encode("console output", prefix + i, kind);
            frames.add(frame);
            outbound.offer(frame);
        }
    }

    /**
     * Models the transport's writer: writes wait in a ring and whoever takes the writing flag (the
     * drainer in {@link #flush()} when completions are inline, or an IO thread calling
     * {@link #writeOut()}) reports them in order, one at a time. Records contract violations.
     */
    private static final class TransportSink implements io.tern.engine.session.FrameSink
    {
        final AtomicReference<String> violation = new AtomicReference<>();
        final AtomicInteger writers = new AtomicInteger();
        final AtomicInteger writing = new AtomicInteger();
        final Frame[] ring = new Frame[Outbound.MAX_IN_FLIGHT];
        final List<String> written = new ArrayList<>();
        volatile Outbound outbound;
        volatile boolean inlineCompletions = true;
        volatile long tail;
        volatile long head;
        volatile int closeCode = -1;
        private int flushes;

        @Override
        public void write(final Frame frame)
        {
            if (writers.incrementAndGet() != 1)
            {
                violation.compareAndSet(null, "write called by two threads at once");
            }
            if (tail - head >= Outbound.MAX_IN_FLIGHT)
            {
                violation.compareAndSet(null, "more than MAX_IN_FLIGHT writes unreported");
            }
            ring[(int)(tail % Outbound.MAX_IN_FLIGHT)] = frame;
            tail = tail + 1;
            writers.decrementAndGet();
        }

        @Override
        public void flush()
        {
            // Alternate inline completions (a writable socket) with ones left to the IO thread.
            if (inlineCompletions && (++flushes & 1) == 0)
            {
                writeOut();
            }
        }

        void writeOut()
        {
            while (writing.compareAndSet(0, 1))
            {
                try
                {
                    while (head != tail)
                    {
                        report();
                    }
                }
                finally
                {
                    writing.set(0);
                }
                if (head == tail)
                {
                    return;
                }
            }
        }

        /** Completes the oldest {@code count} writes from the calling thread. */
        void complete(final int count)
        {
            for (int i = 0; i < count && head != tail; i++)
            {
                report();
            }
        }

        private void report()
        {
            final int slot = (int)(head % Outbound.MAX_IN_FLIGHT);
            final Frame frame = ring[slot];
            ring[slot] = null;
            synchronized (written)
            {
                written.add(frame.toString().trim());
            }
            head = head + 1;
            outbound.onFrameWritten(true);
        }

        int handedOver()
        {
            return (int)tail;
        }

        int reported()
        {
            return (int)head;
        }

        List<String> written()
        {
            synchronized (written)
            {
                return new ArrayList<>(written);
            }
        }

        @Override
        public void ping()
        {
        }

        @Override
        public void close(final int code, final String reason)
        {
            closeCode = code;
        }
    }
}
