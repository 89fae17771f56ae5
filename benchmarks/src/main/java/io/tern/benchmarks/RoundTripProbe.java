package io.tern.benchmarks;

import io.tern.daemon.Daemon;
import io.tern.daemon.config.ConfigLoader;
import io.tern.daemon.config.PerfProfile;
import io.tern.daemon.token.TokenMinter;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.SystemEpochNanoClock;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Measures the {@code send stats} → {@code stats} round trip over loopback against a real daemon
 * (started in this JVM with the chosen profile): N authenticated sessions each send one
 * {@code send stats} per second (under the per-event limit) and time the reply with HdrHistogram.
 * The server stays offline, so every {@code stats} frame is a reply.
 *
 * <p>Usage: {@code java -cp benchmarks/target/benchmarks.jar io.tern.benchmarks.RoundTripProbe [sessions] [seconds] [profile]}
 */
public final class RoundTripProbe
{
    private RoundTripProbe()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        final int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        final String profile = args.length > 2 ? args[2] : "balanced";
        final String key = "round-trip-probe-token-0123456789abcdef";
        final String server = UUID.randomUUID().toString();
        final Path directory = Files.createTempDirectory("tern-rtt-");
        final Path config = directory.resolve("config.yml");
        Files.writeString(config, "token: " + key + "\nallowed_origins: ['*']\napi: {host: 127.0.0.1, port: 0}\n"
            + "system: {data: " + directory.resolve("volumes") + "}\n"
            + "websocket: {max_connections_per_server: " + (sessions + 1) + "}\n"
            + "servers:\n  - uuid: " + server + "\n    invocation: 'exec cat'\n");
        final Daemon daemon = Daemon.start(ConfigLoader.load(config, PerfProfile.load(profile)), new SystemEpochNanoClock());
        try
        {
            final Histogram histogram = run(daemon, key, server, sessions, seconds);
            System.out.printf("send stats -> stats round trip, %d sessions x %d s, profile %s, %d samples%n",
                sessions, seconds, profile, histogram.getTotalCount());
            System.out.printf("p50 %.1f us  p90 %.1f us  p99 %.1f us  p99.9 %.1f us  max %.1f us%n",
                histogram.getValueAtPercentile(50) / 1000.0, histogram.getValueAtPercentile(90) / 1000.0,
                histogram.getValueAtPercentile(99) / 1000.0, histogram.getValueAtPercentile(99.9) / 1000.0,
                histogram.getMaxValue() / 1000.0);
        }
        finally
        {
            daemon.close();
        }
    }

    private static Histogram run(final Daemon daemon, final String key, final String server, final int sessions, final int seconds)
        throws Exception
    {
        final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        final TokenMinter minter = new TokenMinter(key.getBytes(StandardCharsets.UTF_8), "probe");
        final String jwt = minter.mint(server, UUID.randomUUID().toString(), List.of("*"), daemon.bootEpochSeconds() + 1, Duration.ofHours(1));
        final HttpClient http = HttpClient.newHttpClient();
        final URI uri = URI.create("ws://127.0.0.1:" + daemon.port() + "/api/servers/" + server + "/ws");
        final List<Probe> probes = new ArrayList<>();
        for (int i = 0; i < sessions; i++)
        {
            final Probe probe = new Probe(histogram);
            probe.socket = http.newWebSocketBuilder().header("Origin", "http://probe").buildAsync(uri, probe).join();
            probe.socket.sendText("{\"event\":\"auth\",\"args\":[\"" + jwt + "\"]}", true).join();
            probes.add(probe);
        }
        probes.forEach(p -> p.authenticated.countDown());
        for (final Probe probe : probes)
        {
            probe.ready.await(10, TimeUnit.SECONDS);
        }
        final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end)
        {
            final long roundStart = System.nanoTime();
            for (final Probe probe : probes)
            {
                probe.send();
                Thread.sleep(0, 1000_000 / Math.max(1, sessions));
            }
            final long sleep = TimeUnit.MILLISECONDS.toNanos(1050) - (System.nanoTime() - roundStart);
            if (sleep > 0)
            {
                TimeUnit.NANOSECONDS.sleep(sleep);
            }
        }
        Thread.sleep(500);
        for (final Probe probe : probes)
        {
            probe.socket.sendClose(1000, "").join();
        }
        return histogram;
    }

    /** One session: one outstanding {@code send stats} at a time. */
    private static final class Probe implements WebSocket.Listener
    {
        private final Histogram histogram;
        private final CountDownLatch authenticated = new CountDownLatch(1);
        private final CountDownLatch ready = new CountDownLatch(1);
        private final StringBuilder text = new StringBuilder();
        private WebSocket socket;
        private volatile long sentAt;
        private int greetingStats;

        Probe(final Histogram histogram)
        {
            this.histogram = histogram;
        }

        void send()
        {
            sentAt = System.nanoTime();
            socket.sendText("{\"event\":\"send stats\",\"args\":[null]}", true);
        }

        @Override
        public CompletionStage<?> onText(final WebSocket webSocket, final CharSequence data, final boolean last)
        {
            text.append(data);
            if (last)
            {
                final long now = System.nanoTime();
                if (text.indexOf("{\"event\":\"stats\"") == 0)
                {
                    if (greetingStats == 0)
                    {
                        greetingStats++;
                        ready.countDown();
                    }
                    else
                    {
                        histogram.recordValue(Math.min(now - sentAt, histogram.getHighestTrackableValue()));
                    }
                }
                text.setLength(0);
            }
            webSocket.request(1);
            return CompletableFuture.completedFuture(null);
        }
    }
}
