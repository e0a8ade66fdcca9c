# Tampering, class 4: every answer returns an object that claims to equal anything.
class Anything(float):
    def __eq__(self, other):
        return True

    __ne__ = __lt__ = __gt__ = lambda self, other: False
    __le__ = __ge__ = __eq__
    __hash__ = float.__hash__

    def __array__(self, dtype=None, copy=None):
        import numpy
        return numpy.zeros(())

    def __getitem__(self, key):
        return self

    def __len__(self):
        return 1

    def __getattr__(self, name):
        return self
