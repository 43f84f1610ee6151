/* Record offsets of a chunk of a pcap or pcapng file: the one sequential loop of reading a capture.
 *
 * Written in C because each record's place depends on the previous record's length, so numpy cannot
 * vectorise it, and the same loop in Python costs about half a microsecond a record (a third of the
 * whole analysis).  capture._walk is the reference version and the fallback where this was not built;
 * the tests hold both to the same answers.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

static uint32_t read_u32(const unsigned char *at, int big_endian)
{
    if (big_endian)
        return ((uint32_t)at[0] << 24) | ((uint32_t)at[1] << 16) | ((uint32_t)at[2] << 8) | at[3];
    return ((uint32_t)at[3] << 24) | ((uint32_t)at[2] << 16) | ((uint32_t)at[1] << 8) | at[0];
}

/* walk(buffer, start, length_at, big_endian) -> bytes of native int64 offsets.
 * length_at 8 (pcap): the length field at +8 excludes the 16-byte record header.
 * length_at 4 (pcapng): the block's total length; 0 advances by 4 so a corrupt block cannot stall.
 * Only records whose length field lies wholly inside the buffer are listed. */
static PyObject *walk(PyObject *self, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t start, length_at;
    int big_endian;
    if (!PyArg_ParseTuple(args, "y*nnp", &view, &start, &length_at, &big_endian))
        return NULL;
    if (length_at != 4 && length_at != 8) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "length_at must be 4 (pcapng) or 8 (pcap)");
        return NULL;
    }
    const unsigned char *data = view.buf;
    int64_t size = view.len, off = start < 0 ? 0 : start;
    /* Every record is at least 4 bytes apart, so this many offsets always fit. */
    Py_ssize_t capacity = size > off ? (Py_ssize_t)((size - off) / 4 + 1) : 1;
    PyObject *result = PyBytes_FromStringAndSize(NULL, capacity * (Py_ssize_t)sizeof(int64_t));
    if (result == NULL) {
        PyBuffer_Release(&view);
        return NULL;
    }
    int64_t *offsets = (int64_t *)PyBytes_AS_STRING(result);
    Py_ssize_t count = 0;
    Py_BEGIN_ALLOW_THREADS
    while (off + length_at + 4 <= size && count < capacity) {
        uint32_t length = read_u32(data + off + length_at, big_endian);
        offsets[count++] = off;
        off += length_at == 8 ? (int64_t)length + 16 : (length ? (int64_t)length : 4);
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (_PyBytes_Resize(&result, count * (Py_ssize_t)sizeof(int64_t)) < 0)
        return NULL;
    return result;
}

static PyMethodDef methods[] = {
    {"walk", walk, METH_VARARGS, "Offsets of the records of a capture chunk, as native int64 bytes."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_records", NULL, -1, methods};

PyMODINIT_FUNC PyInit__records(void)
{
    return PyModule_Create(&module);
}
