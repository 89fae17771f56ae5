package io.tern.benchmarks.load;

import io.tern.daemon.bench.BenchLine;
import io.tern.daemon.bench.WebsocketClientCodec;
import io.tern.daemon.config.ConfigException;
import io.tern.daemon.config.ConfigLoader;
import io.tern.daemon.config.DaemonConfig;
import io.tern.daemon.config.ServerDefinition;
import io.tern.daemon.token.TokenMinter;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The issue-4 websocket load generator: opens N authenticated sessions spread round-robin over M
 * servers of a running Tern, times connect + auth, then counts delivered {@code console output}
 * lines, lines lost (gaps in each session's sequence of {@link BenchLine}s) and produce → receive
 * latency (HdrHistogram), and reads the daemon's RSS, live heap and CPU, and its own CPU.
 *
 * <p>The client is non-blocking and single-threaded: one {@link Selector} on the main thread, a
 * hand-written RFC 6455 client ({@link WebsocketClientCodec}: no extensions, so no compression),
 * one shared read buffer, per-session state of a few fields. It needs one descriptor per session:
 * {@code ulimit -n} must exceed {@code --sessions} (the hard limit on the project's machines is
 * 20,000, so at most ~19,900 sessions per generator process). Run it with
 * {@code -XX:AutoBoxCacheMax=65536} (JDK 17's epoll selector boxes descriptor numbers above 127).
 *
 * <p>Phases: [start servers] → memory before → connect + auth all → settle → memory after (a full
 * GC in the daemon via jcmd) → warm-up → measured window (a line per report interval) → summary.
 * {@code --help} lists the options.
 */
public final class LoadGenerator
{
    private static final List<String> FLAGS = List.of("help", "start-servers", "no-heap");
    private static final List<String> OPTIONS = List.of("config", "host", "port", "token", "uuids", "sessions", "servers",
        "duration", "warmup", "settle", "rate", "pid", "connect-concurrency", "origin", "report-every", "connect-timeout",
        "stalled");

    private static final byte[] CONSOLE_PREFIX = "{\"event\":\"console output\",\"args\":[\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AUTH_SUCCESS = "{\"event\":\"auth success\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JWT_ERROR = "{\"event\":\"jwt error\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DAEMON_ERROR = "{\"event\":\"daemon error\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] STATS = "{\"event\":\"stats\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] STATUS = "{\"event\":\"status\"".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern GENERATOR_RATE = Pattern.compile("(?:LineGenerator|BenchLines)\\s+([0-9.]+)");

    private static final int STALLED_RECEIVE_BUFFER = 16 * 1024;
    private static final int CONNECTING = 0;
    private static final int HANDSHAKE = 1;
    private static final int AUTHENTICATING = 2;
    private static final int AUTHENTICATED = 3;
    private static final int CLOSED = 4;

    private final EpochNanoClock clock = new SystemEpochNanoClock();
    private final ByteBuffer readBuffer = ByteBuffer.allocate(256 * 1024);
    private final ByteBuffer writeBuffer = ByteBuffer.allocate(64 * 1024);
    private final WebsocketClientCodec.Header header = new WebsocketClientCodec.Header();
    private final BenchLine.Parsed parsed = new BenchLine.Parsed();
    private final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
    private final Histogram intervalLatency = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
    private final Histogram connectTimes = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
    /** Distinct problems and how often each happened. */
    private final java.util.Map<String, Integer> errors = new java.util.LinkedHashMap<>();
    private final Selector selector;
    private final InetSocketAddress address;
    private final String hostHeader;
    private final String origin;
    private final List<String> uuids;
    private final byte[][] authFrames;
    private final Session[] sessions;

    private boolean measuring;
    private int opened;
    private int authenticated;
    private int failed;
    private int closedByPeer;
    private long lines;
    private long received;
    private long intervalLines;
    private long lost;
    private long reordered;
    private long negativeLatency;
    private long stats;
    private long statuses;
    private long otherFrames;
    private long pings;
    private int stalledCount;
    /** Sessions 0 .. stalledPlanned-1 will stall; they get a small receive buffer, as a slow client on a slow link has. */
    private int stalledPlanned;
    private long stalledLines;
    private long stalledLost;
    private int stalledClosed;

    private LoadGenerator(final Target target, final int sessionCount) throws IOException
    {
        this.selector = Selector.open();
        this.address = new InetSocketAddress(target.host, target.port);
        this.hostHeader = target.host + ":" + target.port;
        this.origin = target.origin;
        this.uuids = target.uuids;
        final TokenMinter minter = new TokenMinter(target.token.getBytes(StandardCharsets.UTF_8), "tern-load-generator");
        final long now = Instant.now().getEpochSecond();
        this.authFrames = new byte[uuids.size()][];
        for (int i = 0; i < uuids.size(); i++)
        {
            final String jwt = minter.mint(uuids.get(i), UUID.randomUUID().toString(), TokenMinter.OWNER, now, Duration.ofHours(6));
            authFrames[i] = ("{\"event\":\"auth\",\"args\":[\"" + jwt + "\"]}").getBytes(StandardCharsets.US_ASCII);
        }
        this.sessions = new Session[sessionCount];
    }

    /**
     * @param args see {@code --help}.
     * @throws Exception on an unexpected failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final LoadOptions options;
        final Target target;
        try
        {
            options = LoadOptions.parse(args, FLAGS, OPTIONS);
            if (options.has("help"))
            {
                System.out.println(help());
                return;
            }
            target = Target.of(options);
        }
        catch (final IllegalArgumentException | ConfigException ex)
        {
            System.err.println("load generator: " + ex.getMessage());
            System.exit(2);
            return;
        }
        final int sessionCount = options.integer("sessions", 1000);
        final long durationMillis = options.millis("duration", 30_000);
        final long warmupMillis = options.millis("warmup", 5_000);
        final long settleMillis = options.millis("settle", 3_000);
        final long reportMillis = options.millis("report-every", 5_000);
        final long connectTimeoutMillis = options.millis("connect-timeout", 120_000);
        final int concurrency = options.integer("connect-concurrency", 256);
        final boolean heap = !options.has("no-heap");
        final double rate = options.number("rate", target.rate);

        final DaemonProcess daemon = DaemonProcess.find(options.integer("pid", 0), target.configName).orElse(null);
        System.out.printf("Tern load generator: %d sessions over %d servers of %s, %s lines/s per server (%s), duration %d s"
                + " after %d s warm-up; daemon pid %s; %d cores, %s%n",
            sessionCount, target.uuids.size(), target.host + ":" + target.port, rate > 0 ? fmt(rate) : "unknown",
            target.source, durationMillis / 1000, warmupMillis / 1000, daemon == null ? "unknown" : daemon.pid(),
            Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));
        if (options.has("start-servers"))
        {
            startServers(target);
        }

        final LoadGenerator generator = new LoadGenerator(target, sessionCount);
        generator.stalledPlanned = options.integer("stalled", 0);
        final long rssBefore = daemon == null ? -1 : daemon.rssBytes();
        final long heapBefore = daemon == null || !heap ? -1 : daemon.liveHeapBytes();
        System.out.printf("before connecting: daemon RSS %s, live heap %s%n", mib(rssBefore), mib(heapBefore));

        // connect + auth
        final long connectStart = System.nanoTime();
        final Duration daemonCpuBeforeConnect = daemon == null ? Duration.ZERO : daemon.cpu();
        final Duration ownCpuBeforeConnect = ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
        generator.connectAll(concurrency, connectStart + TimeUnit.MILLISECONDS.toNanos(connectTimeoutMillis));
        final long connectNanos = System.nanoTime() - connectStart;
        final Duration daemonConnectCpu = daemon == null ? Duration.ZERO : daemon.cpu().minus(daemonCpuBeforeConnect);
        final Duration ownConnectCpu = ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO).minus(ownCpuBeforeConnect);
        System.out.printf("connect + auth: %d of %d sessions authenticated in %.2f s (%d failed); per session p50 %s ms, p99 %s ms, max %s ms;"
                + " CPU daemon %.2f s, generator %.2f s%n",
            generator.authenticated, sessionCount, connectNanos / 1e9, generator.failed,
            ms(generator.connectTimes.getValueAtPercentile(50)), ms(generator.connectTimes.getValueAtPercentile(99)),
            ms(generator.connectTimes.getMaxValue()), daemonConnectCpu.toMillis() / 1000.0, ownConnectCpu.toMillis() / 1000.0);
        generator.errors.forEach((error, count) -> System.out.println("  " + count + " x " + error));
        generator.errors.clear();

        final long receivedBeforeSettle = generator.received;
        generator.pump(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settleMillis), () -> false);
        final long linesDuringSettle = generator.received - receivedBeforeSettle;
        final long rssAfter = daemon == null ? -1 : daemon.rssBytes();
        final long heapAfter = daemon == null || !heap ? -1 : daemon.liveHeapBytes();
        final int held = generator.authenticated - generator.closedByPeer;
        System.out.printf("after connecting (%s): daemon RSS %s (%s per session), live heap %s (%s per session)%n",
            linesDuringSettle > 0 ? "console lines flowing" : "idle sessions", mib(rssAfter), perSession(rssAfter, rssBefore, held),
            mib(heapAfter), perSession(heapAfter, heapBefore, held));

        // warm-up, then the measured window
        generator.pump(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(warmupMillis), () -> false);
        generator.resetCounters();
        generator.stall(options.integer("stalled", 0));
        generator.measuring = true;
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final Duration ownCpuStart = ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
        final long ioThreadCpuStart = threads.getCurrentThreadCpuTime();
        final Duration daemonCpuStart = daemon == null ? Duration.ZERO : daemon.cpu();
        final long start = System.nanoTime();
        final long end = start + TimeUnit.MILLISECONDS.toNanos(durationMillis);
        long nextReport = start + TimeUnit.MILLISECONDS.toNanos(reportMillis);
        Duration ownCpuMark = ownCpuStart;
        Duration daemonCpuMark = daemonCpuStart;
        long markNanos = start;
        System.out.println("   t(s)  lines/s   lost  p50(ms)  p99(ms)  p99.9(ms)  max(ms)  daemon CPU  generator CPU  daemon RSS");
        while (System.nanoTime() < end)
        {
            generator.pump(Math.min(nextReport, end), () -> false);
            final long now = System.nanoTime();
            final Duration ownCpu = ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
            final Duration daemonCpu = daemon == null ? Duration.ZERO : daemon.cpu();
            final double seconds = (now - markNanos) / 1e9;
            final Histogram h = generator.intervalLatency;
            System.out.printf("%7.1f %8.0f %6d %8s %8s %10s %8s %10.0f%% %13.0f%% %11s%n", (now - start) / 1e9,
                generator.intervalLines / seconds, generator.lost, ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()),
                100.0 * daemonCpu.minus(daemonCpuMark).toNanos() / 1e9 / seconds, 100.0 * ownCpu.minus(ownCpuMark).toNanos() / 1e9 / seconds,
                daemon == null ? "n/a" : mib(daemon.rssBytes()));
            h.reset();
            generator.intervalLines = 0;
            ownCpuMark = ownCpu;
            daemonCpuMark = daemonCpu;
            markNanos = now;
            nextReport = now + TimeUnit.MILLISECONDS.toNanos(reportMillis);
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        generator.measuring = false;
        final double ownCpu = ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO).minus(ownCpuStart).toNanos() / 1e9;
        final double ioCpu = (threads.getCurrentThreadCpuTime() - ioThreadCpuStart) / 1e9;
        final double daemonCpu = daemon == null ? 0 : daemon.cpu().minus(daemonCpuStart).toNanos() / 1e9;
        final long rssEnd = daemon == null ? -1 : daemon.rssBytes();
        generator.summary(seconds, rate, target.uuids.size(), ownCpu, ioCpu, daemonCpu, rssEnd);
        generator.reportStalled();
        generator.closeAll();
    }

    private static String help()
    {
        return String.join("\n",
            "usage: java -XX:AutoBoxCacheMax=65536 -cp benchmarks/target/benchmarks.jar io.tern.benchmarks.load.LoadGenerator [options]",
            "",
            "Opens N authenticated websocket sessions over M servers of a RUNNING Tern and measures connect + auth time, delivered",
            "console lines/s, lines lost (sequence gaps), line latency produced -> received (p50/p99/p99.9/max), the daemon's RSS,",
            "live heap (jcmd GC.run + GC.heap_info) and CPU, and its own CPU. The lines must be BenchLines: from",
            "io.tern.daemon.bench.LineGenerator processes or the daemon's bench.line_source_rate (see LoadConfig).",
            "",
            "  --config FILE              the daemon's config: token, api.host/port, servers, bench.line_source_rate",
            "  --host H / --port P        override the address (default from --config; 0.0.0.0 means 127.0.0.1)",
            "  --token T                  the node token (default from --config)",
            "  --uuids U1,U2,...          the servers (default: the config's servers, in order)",
            "  --servers M                use the first M servers (default: all)",
            "  --sessions N               sessions, spread round-robin over the servers (default 1000)",
            "  --duration D               measured window (default 30s)",
            "  --warmup D                 lines received before the window are not counted (default 5s)",
            "  --settle D                 wait after the last auth before the memory reading (default 3s)",
            "  --rate R                   lines/s per server the source produces, for the expected count (default: from the",
            "                             config's bench.line_source_rate or LineGenerator invocations)",
            "  --start-servers            POST power start to each server and wait until running (LineGenerator servers)",
            "  --pid PID                  the daemon's pid (default: the one process running tern.jar / io.tern.daemon.Main)",
            "  --no-heap                  do not run jcmd (no full GC in the daemon); RSS only",
            "  --connect-concurrency C    handshakes in flight at once (default 256)",
            "  --connect-timeout D        give up connecting after this (default 120s)",
            "  --origin O                 the Origin header (default: the config's remote, else http://tern-load-generator)",
            "  --report-every D           print a line every D during the window (default 5s)",
            "  --stalled K                the first K sessions stop reading when the window starts (slow clients; their",
            "                             receive buffer is 16 KiB, so the kernel does not absorb minutes of lines); they are",
            "                             left out of the figures above and read again after the window, to show what they lost",
            "",
            "Needs ulimit -n above N (one descriptor per session; the hard limit here is 20000 per process).");
    }

    // ---------------------------------------------------------------- connection handling

    private void connectAll(final int concurrency, final long deadline) throws IOException
    {
        while (System.nanoTime() < deadline && authenticated + failed < sessions.length)
        {
            while (opened < sessions.length && opened - authenticated - failed < concurrency)
            {
                open(opened++);
            }
            pumpOnce(10);
        }
        final int unfinished = sessions.length - authenticated - failed;
        if (unfinished > 0)
        {
            error(unfinished + " session(s) had not authenticated at the connect timeout");
        }
    }

    private void open(final int index)
    {
        final Session session = new Session(index, index % uuids.size());
        sessions[index] = session;
        session.connectStart = System.nanoTime();
        try
        {
            session.channel = SocketChannel.open();
            session.channel.configureBlocking(false);
            session.channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (index < stalledPlanned)
            {
                // Set before connecting, so the window stays small: the kernel cannot absorb minutes of lines.
                session.channel.setOption(StandardSocketOptions.SO_RCVBUF, STALLED_RECEIVE_BUFFER);
            }
            if (session.channel.connect(address))
            {
                session.key = session.channel.register(selector, SelectionKey.OP_READ, session);
                sendHandshake(session);
            }
            else
            {
                session.key = session.channel.register(selector, SelectionKey.OP_CONNECT, session);
            }
        }
        catch (final IOException ex)
        {
            fail(session, "connect: " + ex);
        }
    }

    private void sendHandshake(final Session session) throws IOException
    {
        final byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        session.wsKey = Base64.getEncoder().encodeToString(nonce);
        session.state = HANDSHAKE;
        final byte[] request = WebsocketClientCodec.handshakeRequest(hostHeader, "/api/servers/" + uuids.get(session.server) + "/ws",
            session.wsKey, origin);
        write(session, ByteBuffer.wrap(request));
    }

    private void sendFrame(final Session session, final int opcode, final byte[] payload, final int offset, final int length)
        throws IOException
    {
        writeBuffer.clear();
        WebsocketClientCodec.writeMaskedFrame(opcode, payload, offset, length, ThreadLocalRandom.current().nextInt(), writeBuffer);
        writeBuffer.flip();
        write(session, writeBuffer);
    }

    private void write(final Session session, final ByteBuffer data) throws IOException
    {
        if (session.pending != null)
        {
            session.pending = concat(session.pending, data);
            return;
        }
        session.channel.write(data);
        if (data.hasRemaining())
        {
            session.pending = ByteBuffer.allocate(data.remaining()).put(data).flip();
            session.key.interestOps(session.key.interestOps() | SelectionKey.OP_WRITE);
        }
    }

    private static ByteBuffer concat(final ByteBuffer first, final ByteBuffer second)
    {
        return ByteBuffer.allocate(first.remaining() + second.remaining()).put(first).put(second).flip();
    }

    private void pump(final long until, final BooleanSupplier done) throws IOException
    {
        long now;
        while (!done.getAsBoolean() && (now = System.nanoTime()) < until)
        {
            pumpOnce(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - now)));
        }
    }

    private void pumpOnce(final long timeoutMillis) throws IOException
    {
        selector.select(this::onReady, timeoutMillis);
    }

    private void onReady(final SelectionKey key)
    {
        final Session session = (Session)key.attachment();
        try
        {
            if (!key.isValid())
            {
                return;
            }
            if (key.isConnectable())
            {
                session.channel.finishConnect();
                key.interestOps(SelectionKey.OP_READ);
                sendHandshake(session);
                return;
            }
            if (key.isWritable() && session.pending != null)
            {
                session.channel.write(session.pending);
                if (!session.pending.hasRemaining())
                {
                    session.pending = null;
                    key.interestOps(SelectionKey.OP_READ);
                }
            }
            if (key.isReadable())
            {
                read(session);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            fail(session, ex.toString());
        }
    }

    private void read(final Session session) throws IOException
    {
        final ByteBuffer buffer = readBuffer;
        buffer.clear();
        if (session.carryLength > 0)
        {
            buffer.put(session.carry, 0, session.carryLength);
            session.carryLength = 0;
        }
        final int read = session.channel.read(buffer);
        if (read < 0)
        {
            if (session.state != CLOSED)
            {
                if (session.stalled)
                {
                    stalledClosed++;
                    error("stalled session closed by the daemon without a close frame");
                    close(session);
                }
                else if (session.state == AUTHENTICATED)
                {
                    closedByPeer++;
                    error("closed by the daemon without a close frame");
                    close(session);
                }
                else
                {
                    fail(session, "connection closed during " + (session.state == HANDSHAKE ? "the handshake" : "auth"));
                }
            }
            return;
        }
        final long receivedAt = clock.nanoTime();
        final byte[] bytes = buffer.array();
        final int limit = buffer.position();
        int position = 0;
        if (session.skip > 0)
        {
            final int skipped = (int)Math.min(session.skip, limit);
            session.skip -= skipped;
            position = skipped;
        }
        if (session.state == HANDSHAKE)
        {
            final int headEnd = WebsocketClientCodec.headEnd(bytes, 0, limit);
            if (headEnd < 0)
            {
                keep(session, bytes, 0, limit);
                return;
            }
            final String problem = WebsocketClientCodec.checkResponse(new String(bytes, 0, headEnd, StandardCharsets.ISO_8859_1),
                session.wsKey);
            if (problem != null)
            {
                fail(session, "upgrade refused: " + problem);
                return;
            }
            session.state = AUTHENTICATING;
            final byte[] auth = authFrames[session.server];
            sendFrame(session, WebsocketClientCodec.TEXT, auth, 0, auth.length);
            position = headEnd;
        }
        while (position < limit && session.state != CLOSED)
        {
            if (!WebsocketClientCodec.readHeader(bytes, position, limit, header))
            {
                break;
            }
            final long frameLength = header.headerLength + header.payloadLength;
            if (frameLength > limit - position)
            {
                if (frameLength > bytes.length)
                {
                    session.skip = frameLength - (limit - position);
                    otherFrames++;
                    position = limit;
                }
                break;
            }
            onFrame(session, header.opcode, bytes, position + header.headerLength, (int)header.payloadLength, receivedAt);
            position += (int)frameLength;
        }
        keep(session, bytes, position, limit);
    }

    private static void keep(final Session session, final byte[] bytes, final int from, final int to)
    {
        final int length = to - from;
        if (length <= 0)
        {
            return;
        }
        if (session.carry == null || session.carry.length < length)
        {
            session.carry = new byte[Math.max(length, 256)];
        }
        System.arraycopy(bytes, from, session.carry, 0, length);
        session.carryLength = length;
    }

    private void onFrame(final Session session, final int opcode, final byte[] bytes, final int offset, final int length,
        final long receivedAt) throws IOException
    {
        switch (opcode)
        {
            case WebsocketClientCodec.TEXT -> onText(session, bytes, offset, length, receivedAt);
            case WebsocketClientCodec.PING ->
            {
                pings++;
                sendFrame(session, WebsocketClientCodec.PONG, bytes, offset, length);
            }
            case WebsocketClientCodec.CLOSE ->
            {
                final int code = length >= 2 ? ((bytes[offset] & 0xFF) << 8) | (bytes[offset + 1] & 0xFF) : 1005;
                final String reason = length > 2 ? new String(bytes, offset + 2, length - 2, StandardCharsets.UTF_8) : "";
                if (session.stalled)
                {
                    stalledClosed++;
                    error("stalled session closed by the daemon: " + code + " " + reason);
                    close(session);
                }
                else if (session.state == AUTHENTICATED)
                {
                    closedByPeer++;
                    error("closed by the daemon: " + code + " " + reason);
                    close(session);
                }
                else
                {
                    fail(session, "closed before auth: " + code + " " + reason);
                }
            }
            default -> otherFrames++;
        }
    }

    private void onText(final Session session, final byte[] bytes, final int offset, final int length, final long receivedAt)
    {
        if (startsWith(bytes, offset, length, CONSOLE_PREFIX))
        {
            if (BenchLine.parse(bytes, offset + CONSOLE_PREFIX.length, offset + length, parsed))
            {
                onLine(session, parsed.seq, receivedAt - parsed.epochNanos);
            }
            else
            {
                otherFrames++;
            }
        }
        else if (startsWith(bytes, offset, length, STATS))
        {
            stats++;
        }
        else if (startsWith(bytes, offset, length, STATUS))
        {
            statuses++;
        }
        else if (startsWith(bytes, offset, length, AUTH_SUCCESS))
        {
            if (session.state == AUTHENTICATING)
            {
                session.state = AUTHENTICATED;
                authenticated++;
                connectTimes.recordValue(Math.min(System.nanoTime() - session.connectStart, connectTimes.getHighestTrackableValue()));
            }
        }
        else if (startsWith(bytes, offset, length, JWT_ERROR) || startsWith(bytes, offset, length, DAEMON_ERROR))
        {
            error(new String(bytes, offset, Math.min(length, 200), StandardCharsets.UTF_8).strip());
            if (session.state == AUTHENTICATING)
            {
                fail(session, "auth refused");
            }
        }
        else
        {
            otherFrames++;
            if (otherFrames <= 3)
            {
                error("other frame: " + new String(bytes, offset, Math.min(length, 160), StandardCharsets.UTF_8).strip());
            }
        }
    }

    private void onLine(final Session session, final long seq, final long latencyNanos)
    {
        final long last = session.lastSeq;
        session.lastSeq = Math.max(last, seq);
        if (session.stalled)
        {
            stalledLines++;
            if (last >= 0 && seq > last + 1)
            {
                stalledLost += seq - last - 1;
            }
            return;
        }
        received++;
        if (!measuring)
        {
            return;
        }
        if (last >= 0)
        {
            if (seq > last + 1)
            {
                lost += seq - last - 1;
            }
            else if (seq <= last)
            {
                reordered++;
            }
        }
        lines++;
        intervalLines++;
        long value = latencyNanos;
        if (value < 0)
        {
            negativeLatency++;
            value = 0;
        }
        value = Math.min(value, latency.getHighestTrackableValue());
        latency.recordValue(value);
        intervalLatency.recordValue(value);
    }

    private static boolean startsWith(final byte[] bytes, final int offset, final int length, final byte[] prefix)
    {
        if (length < prefix.length)
        {
            return false;
        }
        for (int i = 0; i < prefix.length; i++)
        {
            if (bytes[offset + i] != prefix[i])
            {
                return false;
            }
        }
        return true;
    }

    private void fail(final Session session, final String why)
    {
        if (session.state == CLOSED)
        {
            return;
        }
        if (session.state == AUTHENTICATED)
        {
            closedByPeer++;
        }
        else
        {
            failed++;
        }
        error(why);
        close(session);
    }

    private void error(final String text)
    {
        if (errors.size() < 30 || errors.containsKey(text))
        {
            errors.merge(text, 1, Integer::sum);
        }
        else
        {
            errors.merge("(other problems)", 1, Integer::sum);
        }
    }

    private static void close(final Session session)
    {
        session.state = CLOSED;
        try
        {
            if (session.channel != null)
            {
                session.channel.close();
            }
        }
        catch (final IOException ignored)
        {
            // closing
        }
    }

    /** The first {@code count} authenticated sessions stop reading: their socket fills and the daemon's budget for them is used up. */
    private void stall(final int count)
    {
        for (int i = 0; i < Math.min(count, sessions.length); i++)
        {
            final Session session = sessions[i];
            if (session != null && session.state == AUTHENTICATED && session.key != null && session.key.isValid())
            {
                session.stalled = true;
                session.key.interestOps(0);
                stalledCount++;
            }
        }
    }

    /** Reads the stalled sessions again for a few seconds and reports what reached them. */
    private void reportStalled() throws IOException
    {
        if (stalledCount == 0)
        {
            return;
        }
        for (final Session session : sessions)
        {
            if (session != null && session.stalled && session.key != null && session.key.isValid())
            {
                session.key.interestOps(SelectionKey.OP_READ);
            }
        }
        errors.clear();
        pump(System.nanoTime() + TimeUnit.SECONDS.toNanos(3), () -> false);
        System.out.printf("  stalled sessions: %d stopped reading for the window, then read for 3 s: %d lines received, %d lost"
            + " (sequence gaps), %d closed by the daemon%n", stalledCount, stalledLines, stalledLost, stalledClosed);
        errors.forEach((error, count) -> System.out.println("  " + count + " x " + error));
    }

    private void closeAll()
    {
        for (final Session session : sessions)
        {
            if (session != null)
            {
                close(session);
            }
        }
    }

    private void resetCounters()
    {
        lines = 0;
        intervalLines = 0;
        lost = 0;
        reordered = 0;
        negativeLatency = 0;
        latency.reset();
        intervalLatency.reset();
    }

    private void summary(final double seconds, final double rate, final int servers, final double ownCpu, final double ioCpu,
        final double daemonCpu, final long rssEnd)
    {
        final int held = authenticated - closedByPeer - stalledCount;
        System.out.println();
        System.out.printf("RESULT sessions=%d/%d servers=%d window=%.1fs%n", held, sessions.length, servers, seconds);
        System.out.printf("  delivered: %d lines = %.0f lines/s", lines, lines / seconds);
        if (rate > 0)
        {
            final double expected = rate * seconds * held;
            System.out.printf(" (expected ~%.0f lines/s = %s lines/s x %d sessions; %.1f%%)", expected / seconds, fmt(rate), held,
                100.0 * lines / expected);
        }
        System.out.println();
        System.out.printf("  lost (sequence gaps): %d (%.4f%%); out of order/duplicate: %d%n", lost,
            lines + lost == 0 ? 0.0 : 100.0 * lost / (lines + lost), reordered);
        System.out.printf("  latency produced -> received: p50 %s ms, p90 %s ms, p99 %s ms, p99.9 %s ms, max %s ms (%d samples%s)%n",
            ms(latency.getValueAtPercentile(50)), ms(latency.getValueAtPercentile(90)), ms(latency.getValueAtPercentile(99)),
            ms(latency.getValueAtPercentile(99.9)), ms(latency.getMaxValue()), latency.getTotalCount(),
            negativeLatency > 0 ? ", " + negativeLatency + " negative clamped to 0" : "");
        System.out.printf("  daemon: RSS %s at the end; CPU %.2f s = %.0f%% of one core%n", mib(rssEnd), daemonCpu,
            100 * daemonCpu / seconds);
        System.out.printf("  generator: CPU %.2f s = %.0f%% of one core (IO thread %.2f s); pings answered %d%n", ownCpu,
            100 * ownCpu / seconds, ioCpu, pings);
        System.out.printf("  other frames: stats %d, status %d, other %d; sessions closed by the daemon %d%n", stats, statuses,
            otherFrames, closedByPeer);
        errors.forEach((error, count) -> System.out.println("  " + count + " x " + error));
    }

    // ---------------------------------------------------------------- set-up helpers

    private static void startServers(final Target target) throws IOException, InterruptedException
    {
        final HttpClient http = HttpClient.newHttpClient();
        final String base = "http://" + target.host + ":" + target.port + "/api/servers/";
        final long start = System.nanoTime();
        for (final String uuid : target.uuids)
        {
            final HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + uuid + "/power"))
                .header("Authorization", "Bearer " + target.token)
                .POST(HttpRequest.BodyPublishers.ofString("{\"action\":\"start\"}")).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 202)
            {
                System.err.println("power start " + uuid + ": HTTP " + response.statusCode() + " " + response.body());
            }
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        int running = 0;
        while (System.nanoTime() < deadline)
        {
            running = 0;
            for (final String uuid : target.uuids)
            {
                final HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + uuid))
                    .header("Authorization", "Bearer " + target.token).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (response.body().contains("\"state\":\"running\""))
                {
                    running++;
                }
            }
            if (running == target.uuids.size())
            {
                break;
            }
            Thread.sleep(500);
        }
        System.out.printf("started servers: %d of %d running after %.1f s%n", running, target.uuids.size(),
            (System.nanoTime() - start) / 1e9);
    }

    private static String ms(final long nanos)
    {
        final double value = nanos / 1e6;
        return value >= 100 ? String.format(Locale.ROOT, "%.0f", value) : value >= 10
            ? String.format(Locale.ROOT, "%.1f", value) : String.format(Locale.ROOT, "%.2f", value);
    }

    private static String mib(final long bytes)
    {
        return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static String perSession(final long after, final long before, final int sessions)
    {
        if (after < 0 || before < 0 || sessions <= 0)
        {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.1f KiB", (after - before) / 1024.0 / sessions);
    }

    private static String fmt(final double value)
    {
        return value == Math.rint(value) ? Long.toString((long)value) : Double.toString(value);
    }

    /** One websocket session. */
    private static final class Session
    {
        final int index;
        final int server;
        SocketChannel channel;
        SelectionKey key;
        int state = CONNECTING;
        String wsKey;
        long connectStart;
        long lastSeq = -1;
        byte[] carry;
        int carryLength;
        long skip;
        ByteBuffer pending;
        boolean stalled;

        Session(final int index, final int server)
        {
            this.index = index;
            this.server = server;
        }
    }

    /** Where to connect and with what, from {@code --config} and the overrides. */
    private static final class Target
    {
        String host;
        int port;
        String token;
        String origin;
        List<String> uuids;
        double rate;
        String source = "line source unknown";
        String configName;

        static Target of(final LoadOptions options) throws ConfigException
        {
            final Target target = new Target();
            DaemonConfig config = null;
            if (options.has("config"))
            {
                final Path file = Path.of(options.string("config", ""));
                config = ConfigLoader.load(file);
                target.configName = file.getFileName().toString();
            }
            String host = options.string("host", config == null ? "127.0.0.1" : config.apiHost());
            if (host.equals("0.0.0.0") || host.equals("::"))
            {
                host = "127.0.0.1";
            }
            target.host = host;
            target.port = options.integer("port", config == null ? 8080 : config.apiPort());
            target.token = options.string("token", config == null ? null : new String(config.token(), StandardCharsets.UTF_8));
            if (target.token == null)
            {
                throw new IllegalArgumentException("give --config FILE or --token TOKEN");
            }
            final List<String> uuids = new ArrayList<>(options.list("uuids"));
            if (uuids.isEmpty() && config != null)
            {
                config.servers().forEach(server -> uuids.add(server.uuid()));
            }
            if (uuids.isEmpty())
            {
                throw new IllegalArgumentException("no servers: give --uuids or a --config with servers");
            }
            final int servers = options.integer("servers", uuids.size());
            if (servers < 1 || servers > uuids.size())
            {
                throw new IllegalArgumentException("--servers must be 1.." + uuids.size());
            }
            target.uuids = List.copyOf(uuids.subList(0, servers));
            target.origin = options.string("origin", config != null && !config.remote().isEmpty() ? config.remote()
                : "http://tern-load-generator");
            if (config != null)
            {
                if (config.benchLineSourceRate() > 0)
                {
                    target.rate = config.benchLineSourceRate();
                    target.source = "synthetic in-process source, bench.line_source_rate";
                }
                else
                {
                    for (final ServerDefinition server : config.servers())
                    {
                        final Matcher matcher = GENERATOR_RATE.matcher(server.invocation());
                        if (target.uuids.contains(server.uuid()) && matcher.find())
                        {
                            target.rate = Double.parseDouble(matcher.group(1));
                            target.source = server.invocation().contains("perl") ? "Perl line generator processes" : "LineGenerator processes";
                        }
                    }
                }
            }
            return target;
        }
    }
}
