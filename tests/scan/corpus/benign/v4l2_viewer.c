/* Webcam grabber: opens the V4L2 device named on the command line, captures frames by mmap
 * streaming and writes them to a file. */
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define BUFFERS 4

static int xioctl(int fd, unsigned long request, void *arg)
{
    int r;
    do
        r = ioctl(fd, request, arg);
    while (r < 0 && errno == EINTR);
    return r;
}

int main(int argc, char **argv)
{
    const char *device = argc > 1 ? argv[1] : "/dev/video0";
    int frames = argc > 2 ? atoi(argv[2]) : 10;
    void *maps[BUFFERS];
    size_t sizes[BUFFERS];
    struct v4l2_capability cap;
    struct v4l2_format fmt = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
    struct v4l2_requestbuffers req = {.count = BUFFERS, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
    enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    FILE *out = fopen(argc > 3 ? argv[3] : "frames.yuv", "wb");
    int fd = open(device, O_RDWR);
    if (fd < 0 || !out || xioctl(fd, VIDIOC_QUERYCAP, &cap) < 0) {
        perror(device);
        return 1;
    }
    printf("%s: %s\n", device, cap.card);
    fmt.fmt.pix.width = 640;
    fmt.fmt.pix.height = 480;
    fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
    if (xioctl(fd, VIDIOC_S_FMT, &fmt) < 0 || xioctl(fd, VIDIOC_REQBUFS, &req) < 0)
        return 1;
    for (unsigned i = 0; i < req.count && i < BUFFERS; i++) {
        struct v4l2_buffer buf = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP, .index = i};
        xioctl(fd, VIDIOC_QUERYBUF, &buf);
        sizes[i] = buf.length;
        maps[i] = mmap(NULL, buf.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, buf.m.offset);
        xioctl(fd, VIDIOC_QBUF, &buf);
    }
    xioctl(fd, VIDIOC_STREAMON, &type);
    for (int n = 0; n < frames; n++) {
        struct v4l2_buffer buf = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
        if (xioctl(fd, VIDIOC_DQBUF, &buf) < 0)
            break;
        fwrite(maps[buf.index], 1, buf.bytesused, out);
        xioctl(fd, VIDIOC_QBUF, &buf);
    }
    xioctl(fd, VIDIOC_STREAMOFF, &type);
    for (unsigned i = 0; i < req.count && i < BUFFERS; i++)
        munmap(maps[i], sizes[i]);
    fclose(out);
    close(fd);
    return 0;
}
