// The one place the archives' serializer maps are instantiated: Boost needs
// them for exported polymorphic pointers (BOOST_CLASS_EXPORT) in any user TU.
#include <cohort/wire/archive.hpp>

#include <boost/archive/impl/archive_serializer_map.ipp>

// archive_serializer_map is BOOST_SYMBOL_VISIBLE: these instantiations are
// exported from libcohort_wire despite hidden visibility.
template class boost::archive::detail::archive_serializer_map<cohort::wire::OutArchive>;
template class boost::archive::detail::archive_serializer_map<cohort::wire::InArchive>;
