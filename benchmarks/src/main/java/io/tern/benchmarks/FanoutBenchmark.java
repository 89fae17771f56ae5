package io.tern.benchmarks;

import io.tern.engine.EngineConfig;
import io.tern.engine.auth.Permissions;
import io.tern.engine.fanout.FanoutAgent;
import io.tern.engine.fanout.ServerChannel;
import io.tern.engine.server.ServerHandle;
import io.tern.engine.session.Session;
import io.tern.engine.session.Sessions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One console record published into a server's broadcast buffer, read by the fan-out agent,
 * encoded once and queued on 30 permitted in-memory sessions (each write completes at once).
 * Score is records per second; deliveries are 30 times that.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class FanoutBenchmark
{
    private static final int SESSIONS = 30;
    private final byte[] line = "\u001b[32m[12:00:01 INFO]: Player \"Steve\" joined the game <lobby> & said hi\u001b[0m"
        .getBytes(StandardCharsets.UTF_8);
    private ServerChannel channel;
    private FanoutAgent fanout;

    @Setup
    public void setUp()
    {
        final BenchClock clock = new BenchClock();
        final Sessions sessions = new Sessions(new EngineConfig(), clock);
        fanout = new FanoutAgent("Tern", new io.tern.engine.EngineCounters());
        channel = new ServerChannel("s", 256 * 1024, "Tern");
        final ServerHandle server = new ServerHandle(null, channel, SESSIONS);
        fanout.addServer(server);
        for (int i = 0; i < SESSIONS; i++)
        {
            final DiscardingSink sink = new DiscardingSink();
            final Session session = sessions.create(i, server, sink);
            sink.session = session;
            session.forwardPermissions(Permissions.CONNECT | Permissions.CONSOLE);
            fanout.subscribe(session);
        }
        fanout.doWork();
    }

    @Benchmark
    public int publishAndFanOut()
    {
        channel.publishConsole(line, 0, line.length);
        return fanout.doWork();
    }
}
