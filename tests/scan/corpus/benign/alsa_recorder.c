/* Voice-memo recorder: captures 16-bit PCM from the ALSA capture device through the kernel's PCM
 * interface (as tinyalsa does on embedded systems) and writes a WAV file named on the command line. */
#include <fcntl.h>
#include <sound/asound.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void param_set_mask(struct snd_pcm_hw_params *p, int param, unsigned bit)
{
    struct snd_mask *m = &p->masks[param - SNDRV_PCM_HW_PARAM_FIRST_MASK];
    memset(m, 0, sizeof *m);
    m->bits[bit >> 5] |= 1u << (bit & 31);
}

static void param_set_int(struct snd_pcm_hw_params *p, int param, unsigned value)
{
    struct snd_interval *i = &p->intervals[param - SNDRV_PCM_HW_PARAM_FIRST_INTERVAL];
    i->min = i->max = value;
    i->integer = 1;
}

static void write_wav_header(FILE *f, unsigned rate, unsigned channels, uint32_t data_bytes)
{
    uint32_t byte_rate = rate * channels * 2, chunk = 36 + data_bytes, fmt_size = 16;
    uint16_t format = 1, ch = (uint16_t)channels, align = (uint16_t)(channels * 2), bits = 16;
    fwrite("RIFF", 1, 4, f); fwrite(&chunk, 4, 1, f); fwrite("WAVEfmt ", 1, 8, f);
    fwrite(&fmt_size, 4, 1, f); fwrite(&format, 2, 1, f); fwrite(&ch, 2, 1, f);
    fwrite(&rate, 4, 1, f); fwrite(&byte_rate, 4, 1, f); fwrite(&align, 2, 1, f);
    fwrite(&bits, 2, 1, f); fwrite("data", 1, 4, f); fwrite(&data_bytes, 4, 1, f);
}

int main(int argc, char **argv)
{
    const char *device = "/dev/snd/pcmC0D0c";
    unsigned rate = 16000, channels = 1, seconds = argc > 2 ? (unsigned)atoi(argv[2]) : 5;
    struct snd_pcm_hw_params params;
    int16_t samples[1024];
    uint32_t total = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s OUT.wav [SECONDS]\n", argv[0]);
        return 2;
    }
    FILE *out = fopen(argv[1], "wb");
    int fd = open(device, O_RDONLY);
    if (fd < 0 || !out) {
        perror(device);
        return 1;
    }
    memset(&params, 0, sizeof params);
    for (int i = 0; i <= SNDRV_PCM_HW_PARAM_LAST_INTERVAL - SNDRV_PCM_HW_PARAM_FIRST_INTERVAL; i++)
        params.intervals[i].max = ~0u;
    param_set_mask(&params, SNDRV_PCM_HW_PARAM_ACCESS, SNDRV_PCM_ACCESS_RW_INTERLEAVED);
    param_set_mask(&params, SNDRV_PCM_HW_PARAM_FORMAT, SNDRV_PCM_FORMAT_S16_LE);
    param_set_int(&params, SNDRV_PCM_HW_PARAM_CHANNELS, channels);
    param_set_int(&params, SNDRV_PCM_HW_PARAM_RATE, rate);
    if (ioctl(fd, SNDRV_PCM_IOCTL_HW_PARAMS, &params) < 0 || ioctl(fd, SNDRV_PCM_IOCTL_PREPARE) < 0) {
        perror("hw params");
        return 1;
    }
    write_wav_header(out, rate, channels, 0);
    while (total < rate * channels * 2 * seconds) {
        struct snd_xferi x = {.buf = samples, .frames = sizeof samples / sizeof samples[0] / channels};
        if (ioctl(fd, SNDRV_PCM_IOCTL_READI_FRAMES, &x) < 0)
            break;
        fwrite(samples, 2 * channels, (size_t)x.result, out);
        total += (uint32_t)x.result * 2 * channels;
    }
    rewind(out);
    write_wav_header(out, rate, channels, total);
    fclose(out);
    close(fd);
    return 0;
}
