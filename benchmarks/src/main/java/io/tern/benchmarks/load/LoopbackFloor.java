package io.tern.benchmarks.load;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The floor under every websocket delivery on this machine: what the kernel alone costs to move
 * small messages over loopback TCP, one {@code write(2)} per message per socket, read back by one
 * selector thread, with nothing else in the process (no framing, no JSON, no engine).
 *
 * <p>It opens N loopback connections, has W writer threads send one {@value #MESSAGE}-byte
 * message to every connection R times a second (paced per millisecond, like console lines that
 * arrive one at a time), and one reader thread reads them all with a selector as the load
 * generator does. It reports messages/s, latency write → read (HdrHistogram), and the CPU of the
 * writers, the reader and the whole process. If this bare loop needs most of the machine at a
 * given rate, no daemon plus generator on the same machine can deliver that rate with low
 * latency.
 *
 * <pre>
 * java -XX:AutoBoxCacheMax=65536 -cp benchmarks/target/benchmarks.jar io.tern.benchmarks.load.LoopbackFloor \
 *   CONNECTIONS RATE_PER_CONNECTION SECONDS [WRITERS]
 * </pre>
 */
public final class LoopbackFloor
{
    /** Bytes per message: about one console line in a {@code console output} frame. */
    static final int MESSAGE = 100;
    /** Time before the measured window. */
    static final long WARMUP_MILLIS = 2000;

    private LoopbackFloor()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        if (args.length < 3)
        {
            System.err.println("usage: LoopbackFloor CONNECTIONS RATE_PER_CONNECTION SECONDS [WRITERS]");
            System.exit(2);
        }
        final int connections = Integer.parseInt(args[0]);
        final int rate = Integer.parseInt(args[1]);
        final int seconds = Integer.parseInt(args[2]);
        final int writers = args.length > 3 ? Integer.parseInt(args[3]) : 1;

        final SocketChannel[] serverSides = new SocketChannel[connections];
        final SocketChannel[] clientSides = new SocketChannel[connections];
        try (ServerSocketChannel listener = ServerSocketChannel.open())
        {
            listener.bind(new InetSocketAddress("127.0.0.1", 0), 4096);
            for (int i = 0; i < connections; i++)
            {
                clientSides[i] = SocketChannel.open(listener.getLocalAddress());
                clientSides[i].setOption(StandardSocketOptions.TCP_NODELAY, true);
                serverSides[i] = listener.accept();
                serverSides[i].setOption(StandardSocketOptions.TCP_NODELAY, true);
                serverSides[i].configureBlocking(false);
            }
        }

        final AtomicBoolean running = new AtomicBoolean(true);
        final Reader reader = new Reader(clientSides, running);
        final Thread readerThread = new Thread(reader, "floor-reader");
        final Thread[] writerThreads = new Thread[writers];
        for (int w = 0; w < writers; w++)
        {
            final int first = w;
            writerThreads[w] = new Thread(() -> write(serverSides, first, writers, rate, running), "floor-writer-" + w);
        }
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean();
        readerThread.start();
        for (final Thread thread : writerThreads)
        {
            thread.start();
        }
        // Warm-up: the JIT compiles the write and read loops and the TCP windows open; not measured.
        Thread.sleep(WARMUP_MILLIS);
        reader.reset();
        final long processCpu0 = os.getProcessCpuTime();
        final long readerCpu0 = threads.getThreadCpuTime(readerThread.getId());
        long writerCpu0 = 0;
        for (final Thread thread : writerThreads)
        {
            writerCpu0 += threads.getThreadCpuTime(thread.getId());
        }
        final long start = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        final long elapsed = System.nanoTime() - start;
        final long processCpu = os.getProcessCpuTime() - processCpu0;
        final long readerCpu = threads.getThreadCpuTime(readerThread.getId()) - readerCpu0;
        long writerCpu = -writerCpu0;
        for (final Thread thread : writerThreads)
        {
            writerCpu += threads.getThreadCpuTime(thread.getId());
        }
        final long received = reader.received();
        final Histogram latency = reader.snapshot();
        running.set(false);
        for (final Thread thread : writerThreads)
        {
            thread.join();
        }
        readerThread.join();

        final double secondsElapsed = elapsed / 1e9;
        System.out.printf("LoopbackFloor: %d connections x %d msg/s (%d B) = %d msg/s offered, %d writer thread(s), %d cores%n",
            connections, rate, MESSAGE, (long)connections * rate, writers, Runtime.getRuntime().availableProcessors());
        System.out.printf("  received %.0f msg/s%n", received / secondsElapsed);
        System.out.printf("  latency write -> read: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%n",
            latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6,
            latency.getValueAtPercentile(99.9) / 1e6, latency.getMaxValue() / 1e6);
        System.out.printf("  CPU: writers %.0f%%, reader %.0f%%, process %.0f%% of one core (%.2f us per message)%n",
            100.0 * writerCpu / elapsed, 100.0 * readerCpu / elapsed, 100.0 * processCpu / elapsed,
            processCpu / 1e3 / Math.max(1, received));
        for (int i = 0; i < connections; i++)
        {
            serverSides[i].close();
            clientSides[i].close();
        }
    }

    /** Writer {@code first} of {@code stride}: every millisecond, the connections due in it get one message. */
    private static void write(
        final SocketChannel[] sockets, final int first, final int stride, final int rate, final AtomicBoolean running)
    {
        final ByteBuffer message = ByteBuffer.allocateDirect(MESSAGE);
        final int mine = (sockets.length - first + stride - 1) / stride;
        final long periodNanos = TimeUnit.SECONDS.toNanos(1) / Math.max(1, rate);
        final long startNanos = System.nanoTime();
        long sent = 0;
        try
        {
            while (running.get())
            {
                // How many messages should be out by now, spread evenly over the period.
                final long now = System.nanoTime();
                final long due = (long)((double)(now - startNanos) / periodNanos * mine);
                while (sent < due)
                {
                    final SocketChannel socket = sockets[first + (int)(sent % mine) * stride];
                    message.clear();
                    message.putLong(0, System.nanoTime());
                    if (socket.write(message) != MESSAGE)
                    {
                        throw new IllegalStateException("a socket was full: the reader fell far behind");
                    }
                    sent++;
                }
                LockSupportPause.pause();
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** Parks about 50 µs between pacing checks (so the writer costs what its writes cost, not a spin). */
    private static final class LockSupportPause
    {
        static void pause()
        {
            java.util.concurrent.locks.LockSupport.parkNanos(50_000);
        }
    }

    /** One selector thread reading every connection, timestamping each whole message. */
    private static final class Reader implements Runnable
    {
        private final SocketChannel[] sockets;
        private final AtomicBoolean running;
        private final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        private final int[] partial;
        private volatile boolean resetWanted;
        private volatile long received;

        Reader(final SocketChannel[] sockets, final AtomicBoolean running)
        {
            this.sockets = sockets;
            this.running = running;
            this.partial = new int[sockets.length];
        }

        void reset()
        {
            resetWanted = true;
            while (resetWanted)
            {
                Thread.onSpinWait();
            }
        }

        long received()
        {
            return received;
        }

        synchronized Histogram snapshot()
        {
            return latency.copy();
        }

        @Override
        public void run()
        {
            final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
            try (Selector selector = Selector.open())
            {
                for (int i = 0; i < sockets.length; i++)
                {
                    sockets[i].configureBlocking(false);
                    sockets[i].register(selector, SelectionKey.OP_READ, i);
                }
                while (running.get())
                {
                    if (resetWanted)
                    {
                        synchronized (this)
                        {
                            latency.reset();
                        }
                        received = 0;
                        resetWanted = false;
                    }
                    if (selector.select(100) == 0)
                    {
                        continue;
                    }
                    final Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                    while (keys.hasNext())
                    {
                        final SelectionKey key = keys.next();
                        keys.remove();
                        read((SocketChannel)key.channel(), (Integer)key.attachment(), buffer);
                    }
                }
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException(ex);
            }
        }

        private void read(final SocketChannel socket, final int index, final ByteBuffer buffer) throws IOException
        {
            buffer.clear();
            final int n = socket.read(buffer);
            if (n <= 0)
            {
                return;
            }
            final long now = System.nanoTime();
            int offset = partial[index] == 0 ? 0 : MESSAGE - partial[index];
            // The rest of a message split across reads: counted, its stamp was in the first part.
            long count = offset > 0 && offset <= n ? 1 : 0;
            synchronized (this)
            {
                while (offset + MESSAGE <= n)
                {
                    latency.recordValue(Math.max(0, now - buffer.getLong(offset)));
                    offset += MESSAGE;
                    count++;
                }
            }
            partial[index] = n - offset;
            received += count;
        }
    }
}
