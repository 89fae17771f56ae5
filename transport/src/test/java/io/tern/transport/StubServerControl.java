package io.tern.transport;

import io.tern.engine.server.PowerAction;
import io.tern.engine.server.ResourceUsage;
import io.tern.engine.server.ServerControl;
import io.tern.engine.server.ServerState;

/**
 * A server that is always offline and accepts everything: enough for the engine to answer
 * {@code auth} and {@code send stats} in transport tests.
 */
final class StubServerControl implements ServerControl
{
    private final String uuid;
    volatile boolean suspended;

    StubServerControl(final String uuid)
    {
        this.uuid = uuid;
    }

    @Override
    public String uuid()
    {
        return uuid;
    }

    @Override
    public ServerState state()
    {
        return ServerState.OFFLINE;
    }

    @Override
    public boolean isSuspended()
    {
        return suspended;
    }

    @Override
    public void readUsage(final ResourceUsage into)
    {
        into.resetForState(ServerState.OFFLINE);
        into.memoryLimitBytes = 1024L * 1024 * 1024;
    }

    @Override
    public CommandResult sendCommand(final byte[] utf8, final int offset, final int length)
    {
        return CommandResult.IGNORED;
    }

    @Override
    public PowerResult power(final PowerAction action, final PowerListener listener)
    {
        return PowerResult.ACCEPTED;
    }

    @Override
    public void replayHistory(final HistoryConsumer consumer)
    {
    }
}
