# Interface targets carrying the project's compile settings, linked by every target.
add_library(bscbot_settings INTERFACE)
target_compile_options(bscbot_settings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
target_include_directories(bscbot_settings INTERFACE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
# Beast/Asio: standalone string_view, no deprecated interfaces.
target_compile_definitions(bscbot_settings INTERFACE BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
if(BSCBOT_SANITIZE)
  target_compile_options(bscbot_settings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(bscbot_settings INTERFACE -fsanitize=address,undefined)
endif()
