package io.tern.daemon.process;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes a server directory and everything in it without ever following a symbolic link: a link
 * inside the directory is removed as an entry, never entered, so a game server that planted
 * {@code world -> /} cannot make the daemon delete anything outside its directory.
 *
 * <p>On Linux every step goes through a {@link SecureDirectoryStream}: each subdirectory is opened
 * relative to its already-open parent with {@code O_NOFOLLOW}, so even a directory swapped for a link
 * while the removal runs is not followed. Where the platform has no secure stream, a file-tree walk
 * that does not follow links is used instead.
 *
 * <p>Blocking; any thread.
 */
public final class DirectoryRemoval
{
    private DirectoryRemoval()
    {
    }

    /**
     * Removes {@code directory} recursively. A missing directory is not an error; when
     * {@code directory} is itself a link or a file, only that entry is removed.
     *
     * @param directory the directory to remove.
     * @throws IOException when an entry cannot be removed; what was removed before stays removed.
     */
    public static void removeRecursively(final Path directory) throws IOException
    {
        if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS))
        {
            return;
        }
        if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS))
        {
            Files.deleteIfExists(directory);
            return;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory))
        {
            if (stream instanceof SecureDirectoryStream)
            {
                removeContents((SecureDirectoryStream<Path>)stream);
            }
            else
            {
                removeByWalking(directory);
                return;
            }
        }
        Files.deleteIfExists(directory);
    }

    private static void removeContents(final SecureDirectoryStream<Path> directory) throws IOException
    {
        // Names are collected first: whether readdir returns entries removed during the iteration is unspecified.
        final List<Path> names = new ArrayList<>();
        for (final Path entry : directory)
        {
            names.add(entry.getFileName());
        }
        for (final Path name : names)
        {
            final BasicFileAttributes attributes;
            try
            {
                attributes = directory.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .readAttributes();
            }
            catch (final NoSuchFileException ex)
            {
                continue;
            }
            if (attributes.isDirectory())
            {
                try (SecureDirectoryStream<Path> child = directory.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS))
                {
                    removeContents(child);
                }
                directory.deleteDirectory(name);
            }
            else
            {
                directory.deleteFile(name);
            }
        }
    }

    private static void removeByWalking(final Path directory) throws IOException
    {
        // walkFileTree without FOLLOW_LINKS reports a link as a plain file, so it is deleted, not entered.
        Files.walkFileTree(directory, new SimpleFileVisitor<>()
        {
            @Override
            public FileVisitResult visitFile(final Path file, final BasicFileAttributes attributes) throws IOException
            {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(final Path dir, final IOException failure) throws IOException
            {
                if (failure != null)
                {
                    throw failure;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
