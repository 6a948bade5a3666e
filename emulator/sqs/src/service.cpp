// Placeholder: replaced by the SQS service implementation.
#include "fogbank/sqs/service.hpp"
