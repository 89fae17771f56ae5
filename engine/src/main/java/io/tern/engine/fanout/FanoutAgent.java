package io.tern.engine.fanout;

import io.tern.engine.EngineCounters;
import io.tern.engine.auth.Permissions;
import io.tern.engine.protocol.Events;
import io.tern.engine.protocol.Frame;
import io.tern.engine.protocol.FrameEncoder;
import io.tern.engine.protocol.FrameKind;
import io.tern.engine.protocol.FramePool;
import io.tern.engine.server.ServerHandle;
import io.tern.engine.server.ServerState;
import io.tern.engine.session.Session;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.agrona.concurrent.broadcast.CopyBroadcastReceiver;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads every server's broadcast buffer, encodes each record <b>once</b> into a pooled
 * {@link Frame}, and queues that same frame on every subscribed session whose token currently
 * allows it (Part I.3 item 3 pauses, permission gating of §2.4). Runs on its own thread as an
 * Agrona {@link Agent}; subscriptions change through a command queue so the session arrays are
 * owned by this thread alone. Steady-state delivery allocates nothing.
 *
 * <p>A receiver that is lapped (its server produced a whole buffer while this agent was behind)
 * loses records; the lap is counted and every session of that server is told in a
 * {@code daemon message}.
 */
public final class FanoutAgent implements Agent, MessageHandler
{
    private static final int RECORDS_PER_SERVER_PER_CYCLE = 64;

    private final ManyToOneConcurrentLinkedQueue<Runnable> commands = new ManyToOneConcurrentLinkedQueue<>();
    private final ArrayList<Subscription> servers = new ArrayList<>();
    private final FramePool pool = new FramePool(4096);
    private final FrameEncoder encoder = new FrameEncoder(pool);
    private final Frame[] statusFrames = new Frame[ServerState.values().length];
    private final AtomicLong laps = new AtomicLong();
    private final String appName;
    private final EngineCounters counters;
    /** This agent's own by-event counts: several agents run, and each slot has one writer. */
    private final java.util.concurrent.atomic.AtomicLongArray framesOut;
    private Subscription current;
    /**
     * Where every receiver of this agent copies a record before it is handled: one at a time on
     * this thread, so one buffer serves all the servers (not one record-sized array per server).
     */
    private UnsafeBuffer receiveScratch = new UnsafeBuffer(new byte[0]);

    /**
     * @param appName the daemon name for lap notices.
     */
    public FanoutAgent(final String appName, final EngineCounters counters)
    {
        this.appName = appName;
        this.counters = counters;
        this.framesOut = counters.newFramesOutWriter();
        for (final ServerState state : ServerState.values())
        {
            statusFrames[state.ordinal()] = FrameEncoder.constant(Events.STATUS, state.wireName(), FrameKind.ESSENTIAL);
        }
    }

    /**
     * @param state a state.
     * @return the constant {@code status} frame for it.
     */
    public Frame statusFrame(final ServerState state)
    {
        return statusFrames[state.ordinal()];
    }

    /**
     * Builds the idle strategy named by {@code engine.fanout_idle}.
     *
     * @param name {@code backoff}, {@code sleeping}, {@code yielding} or {@code busy-spin}.
     * @return the strategy.
     */
    public static IdleStrategy idleStrategy(final String name)
    {
        switch (name)
        {
            case "backoff":
                return new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
            case "sleeping":
                return new SleepingMillisIdleStrategy(1);
            case "yielding":
                return new YieldingIdleStrategy();
            case "busy-spin":
                return new BusySpinIdleStrategy();
            default:
                throw new IllegalArgumentException(
                    "engine.fanout_idle must be backoff, sleeping, yielding or busy-spin, not '" + name + "'");
        }
    }

    /**
     * Starts reading a server's channel. Any thread.
     *
     * @param server the server.
     */
    public void addServer(final ServerHandle server)
    {
        commands.offer(() -> servers.add(new Subscription(server, receiveScratch(server.channel().maxRecordLength()))));
    }

    /** Agent thread: the shared copy buffer, enlarged for a channel with longer records. */
    private UnsafeBuffer receiveScratch(final int maxRecordLength)
    {
        if (receiveScratch.capacity() < maxRecordLength)
        {
            receiveScratch = new UnsafeBuffer(new byte[maxRecordLength]);
        }
        return receiveScratch;
    }

    /**
     * Stops reading a server's channel. Any thread.
     *
     * @param uuid the server's uuid.
     */
    public void removeServer(final String uuid)
    {
        commands.offer(() -> servers.removeIf(s -> s.server.uuid().equals(uuid)));
    }

    /**
     * Starts delivering the server's broadcast to {@code session}. Any thread.
     *
     * @param session the session.
     */
    public void subscribe(final Session session)
    {
        subscribe(session, null);
    }

    /**
     * Starts delivering the server's broadcast to {@code session}, which was just sent the
     * {@code status} of {@code stateSent}. Any thread. A state change whose record this agent read
     * before the subscription took effect would never reach the session, so once subscribed, the
     * session is sent the current state if it is not the one it was told and the record of that
     * state was already read; later records arrive as usual, so the session always ends on the
     * server's latest state, and no status reaches it twice.
     *
     * @param session   the session.
     * @param stateSent the state of the {@code status} frame the session was sent, or {@code null}.
     */
    public void subscribe(final Session session, final ServerState stateSent)
    {
        commands.offer(() ->
        {
            final Subscription subscription = find(session.server());
            if (subscription != null && !session.isClosed())
            {
                subscription.add(session);
                if (stateSent == null)
                {
                    return;
                }
                final ServerState now = session.server().control().state();
                // Only when the record of the current state was already read: one not read yet
                // reaches the session like any other, and a correction would duplicate it.
                if (now != stateSent && subscription.lastStatus == now && session.forwardPermissions() != 0)
                {
                    session.outbound().offer(statusFrame(now));
                    EngineCounters.add(framesOut, EngineCounters.OUT_STATUS, 1);
                }
            }
        });
    }

    /**
     * Stops delivering to {@code session}. Any thread.
     *
     * @param session the session.
     */
    public void unsubscribe(final Session session)
    {
        commands.offer(() ->
        {
            final Subscription subscription = find(session.server());
            if (subscription != null)
            {
                subscription.remove(session);
            }
        });
    }

    private Subscription find(final ServerHandle server)
    {
        for (int i = 0; i < servers.size(); i++)
        {
            if (servers.get(i).server == server)
            {
                return servers.get(i);
            }
        }
        return null;
    }

    @Override
    public int doWork()
    {
        int work = 0;
        Runnable command;
        while ((command = commands.poll()) != null)
        {
            command.run();
            work++;
        }
        for (int i = 0; i < servers.size(); i++)
        {
            work += poll(servers.get(i));
        }
        return work;
    }

    private int poll(final Subscription subscription)
    {
        current = subscription;
        int records = 0;
        try
        {
            for (; records < RECORDS_PER_SERVER_PER_CYCLE; records++)
            {
                if (subscription.receiver.receive(this) == 0)
                {
                    break;
                }
            }
        }
        catch (final IllegalStateException lapped)
        {
            laps.incrementAndGet();
            final Frame notice = FrameEncoder.constant(Events.DAEMON_MESSAGE,
                "[" + appName + " Daemon] some console output of this server was lost because the daemon fell behind.",
                FrameKind.ESSENTIAL);
            subscription.deliver(notice, 0);
            records++;
        }
        return records;
    }

    @Override
    public void onMessage(final int type, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final Subscription subscription = current;
        if (type == RecordType.STATUS)
        {
            subscription.lastStatus = ServerState.values()[buffer.getByte(index)];
        }
        if (subscription.count == 0)
        {
            return;
        }
        final Frame frame;
        int requiredPermission = 0;
        int counter = EngineCounters.OUT_OTHER;
        switch (type)
        {
            case RecordType.CONSOLE_OUTPUT:
                frame = encoder.encode(Events.CONSOLE_OUTPUT, buffer, index, length, FrameKind.LINE);
                counter = EngineCounters.OUT_CONSOLE;
                break;
            case RecordType.STATUS:
                EngineCounters.add(framesOut, EngineCounters.OUT_STATUS, subscription.deliver(statusFrames[buffer.getByte(index)], 0));
                return;
            case RecordType.STATS:
                frame = encoder.encode(Events.STATS, buffer, index, length, FrameKind.STATS);
                counter = EngineCounters.OUT_STATS;
                break;
            case RecordType.DAEMON_MESSAGE:
                frame = encoder.encode(Events.DAEMON_MESSAGE, buffer, index, length, FrameKind.ESSENTIAL);
                counter = EngineCounters.OUT_DAEMON_MESSAGE;
                break;
            case RecordType.INSTALL_OUTPUT:
                frame = encoder.encode(Events.INSTALL_OUTPUT, buffer, index, length, FrameKind.LINE);
                requiredPermission = Permissions.ADMIN_INSTALL;
                counter = EngineCounters.OUT_INSTALL_OUTPUT;
                break;
            case RecordType.EVENT:
            {
                final int nameLength = buffer.getByte(index);
                final String event = buffer.getStringWithoutLengthAscii(index + 1, nameLength);
                final boolean isLine = "transfer logs".equals(event);
                if (isLine)
                {
                    requiredPermission = Permissions.ADMIN_TRANSFER;
                }
                else if (event.startsWith("backup completed"))
                {
                    requiredPermission = Permissions.BACKUP_READ;
                }
                frame = encoder.encode(event, buffer, index + 1 + nameLength, length - 1 - nameLength,
                    isLine ? FrameKind.LINE : FrameKind.ESSENTIAL);
                break;
            }
            default:
                return;
        }
        EngineCounters.add(framesOut, counter, subscription.deliver(frame, requiredPermission));
        frame.release();
    }

    /**
     * @return how many times a receiver was lapped.
     */
    public long laps()
    {
        return laps.get();
    }

    @Override
    public String roleName()
    {
        return "tern-fanout";
    }

    /** One server's receiver and its subscribed sessions; owned by the agent thread. */
    private static final class Subscription
    {
        private final ServerHandle server;
        private final CopyBroadcastReceiver receiver;
        private Session[] subscribers = new Session[8];
        /** Scratch for one delivery: the sessions a frame goes to, so its references are added in one step. */
        private Session[] eligible = new Session[8];
        private int count;
        /** The state of the last {@code status} record read from this server, or {@code null}. */
        private ServerState lastStatus;

        Subscription(final ServerHandle server, final UnsafeBuffer scratch)
        {
            this.server = server;
            this.receiver = new CopyBroadcastReceiver(server.channel().newReceiver(), scratch);
        }

        void add(final Session session)
        {
            for (int i = 0; i < count; i++)
            {
                if (subscribers[i] == session)
                {
                    return;
                }
            }
            if (count == subscribers.length)
            {
                subscribers = Arrays.copyOf(subscribers, count * 2);
                eligible = new Session[subscribers.length];
            }
            subscribers[count++] = session;
        }

        void remove(final Session session)
        {
            for (int i = 0; i < count; i++)
            {
                if (subscribers[i] == session)
                {
                    subscribers[i] = subscribers[--count];
                    subscribers[count] = null;
                    return;
                }
            }
        }

        int deliver(final Frame frame, final int requiredPermission)
        {
            final Session[] targets = eligible;
            int delivered = 0;
            for (int i = 0; i < count; i++)
            {
                final Session session = subscribers[i];
                final int permissions = session.forwardPermissions();
                if (permissions != 0 && (requiredPermission == 0 || (permissions & requiredPermission) != 0))
                {
                    targets[delivered++] = session;
                }
            }
            frame.retain(delivered);
            for (int i = 0; i < delivered; i++)
            {
                targets[i].outbound().offer(frame);
                targets[i] = null;
            }
            return delivered;
        }
    }
}
